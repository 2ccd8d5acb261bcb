/** Golden cases mirroring test/golden/go/cases_file.go. */

import type { GoldenCase } from "../case.js";
import { copy, image, local, mkdir, mkfile, rm, scratch, symlink, type State } from "../../../src/llb/index.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");
/** Go's fixedTime, 2023-11-14T22:13:20.123456789Z, in nanoseconds. */
const fixedTime = 1700000000123456789n;

export const cases: GoldenCase[] = [
  {
    name: "file-mkdir",
    state: () => busybox().file(mkdir("/data", 0o755)),
  },
  {
    name: "file-mkdir-options",
    state: () => busybox().file(mkdir("/a/b/c", 0o4755, { parents: true, chown: "app:staff", createdTime: fixedTime })),
  },
  {
    name: "file-chown-variants",
    state: () =>
      busybox().file(
        mkdir("/u1", 0o755, { chown: "1000:1000" })
          .mkdir("/u2", 0o755, { chown: "root" })
          .mkdir("/u3", 0o755, { chown: "root:wheel" })
          .mkdir("/u4", 0o755, { chown: { user: 33, group: 33 } })
          .mkdir("/u5", 0o755, { chown: "app" }),
      ),
  },
  {
    name: "file-mkfile",
    state: () =>
      busybox().file(mkfile("/etc/motd", 0o644, "hello\nworld\n", { chown: { user: 0, group: 0 }, createdTime: fixedTime })),
  },
  {
    name: "file-mkfile-binary-empty",
    state: () =>
      scratch().file(
        mkfile("/bin.dat", 0o600, new Uint8Array([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28])).mkfile("/empty", 0o644, new Uint8Array()),
      ),
  },
  {
    name: "file-rm",
    state: () =>
      busybox().file(
        rm("/etc/motd")
          .rm("/tmp/maybe", { allowNotFound: true })
          .rm("/var/log/*.log", { allowWildcard: true, allowNotFound: true }),
      ),
  },
  {
    name: "file-symlink",
    state: () =>
      busybox().file(
        symlink("/usr/bin/python3", "/usr/bin/python").symlink("../lib", "/opt/lib", { chown: { user: 1, group: 1 }, createdTime: fixedTime }),
      ),
  },
  {
    name: "file-copy-basic",
    state: () => busybox().file(copy(image("alpine:3.20"), "/etc/alpine-release", "/alpine-release")),
  },
  {
    name: "file-copy-all-options",
    state: () =>
      busybox().file(
        copy(local("context"), "/src", "/app/", {
          mode: 0o640,
          followSymlinks: true,
          copyDirContentsOnly: true,
          includePatterns: ["*.go", "go.*"],
          excludePatterns: ["*_test.go"],
          requiredPaths: ["main.go"],
          attemptUnpack: true,
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          chown: { user: "app", group: 1000 },
          createdTime: fixedTime,
          alwaysReplaceExistingDestPaths: true,
        }),
      ),
  },
  {
    name: "file-copy-option-funcs",
    state: () =>
      busybox().file(
        copy(local("context"), "bin", "/usr/local/bin", {
          mode: "u+x,g-w",
          excludePatterns: ["*.md", "*.txt"],
          chown: "1000:1000",
          createdTime: fixedTime,
        }),
      ),
  },
  {
    name: "file-chained-actions",
    state: () =>
      busybox().file(
        mkdir("/app", 0o755)
          .mkfile("/app/config.json", 0o644, `{"debug":false}`)
          .copy(image("alpine:3.20"), "/etc/os-release", "/app/os-release")
          .rm("/app/unused")
          .symlink("/app/config.json", "/etc/app.json"),
      ),
  },
  {
    name: "file-relative-paths",
    state: () => {
      const src = image("alpine:3.20").dir("/etc");
      return busybox()
        .dir("/work")
        .dir("sub")
        .file(
          mkdir("./out", 0o755)
            .mkfile("out/../file.txt", 0o644, "x")
            .copy(src, "os-release", "out/")
            .copy(src, "apk/./", "copy/.")
            .rm("../sub/tmp/"),
        );
    },
  },
  {
    name: "file-on-scratch",
    state: () =>
      scratch().file(
        mkdir("/etc", 0o755)
          .mkfile("/etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n", { chown: "root:root" })
          .mkfile("/etc/group", 0o644, "root:x:0:\n", { chown: "admin" }),
      ),
  },
  {
    name: "file-copy-from-action",
    state: () => {
      const a = mkdir("./foo", 0o755);
      const b = mkdir("./bar", 0o755);
      const c = b.copy(a.withState(scratch().dir("/ced")), "./foo", "./baz");
      return busybox().dir("/abc").file(c);
    },
  },
  {
    name: "file-copy-multi-source",
    state: () => {
      const base = busybox();
      return base.file(
        copy(image("alpine:3.20"), "/a", "/x/a")
          .copy(image("debian:12"), "/b", "/x/b")
          .copy(base, "/bin/sh", "/x/sh")
          .copy(image("alpine:3.20"), "/c", "/x/c"),
      );
    },
  },
  {
    name: "file-op-constraints",
    state: () =>
      busybox()
        .file(mkdir("/x", 0o700), { customName: "mkdir /x", ignoreCache: true, progressGroup: { id: "files", name: "File steps", weak: false } })
        .file(mkfile("/x/y", 0o600, "y"), { customName: `mkfile ${"/x/y"}` }),
  },
];
