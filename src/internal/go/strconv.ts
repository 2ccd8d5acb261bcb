/** Go 1.26 `strconv` functions the buildkit client side relies on. Pure: no I/O. */

/** Go's `strconv.ParseBool`: true for 1 t T TRUE true True, false for 0 f F FALSE false False, undefined (an error in Go) otherwise. */
export function parseBool(s: string): boolean | undefined {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false;
    default:
      return undefined;
  }
}
