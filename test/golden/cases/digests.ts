/** Fixed digests shared by golden cases (Go's helpers.go digestA/B/C). */

export const digestA = "sha256:" + "a".repeat(64);
export const digestB = "sha256:" + "b".repeat(64);
export const digestC = "sha256:" + "c".repeat(64);
