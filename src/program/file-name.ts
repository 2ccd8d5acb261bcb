/**
 * The name rule of build files (classify.ts rule 1), alone so the frontend's
 * entry point can apply it before anything else is loaded.
 */

/** Whether a build file is a program by its name alone: it ends in `.ts` or `.mts`. */
export function isProgramFileName(name: string): boolean {
  return /\.m?ts$/.test(name);
}
