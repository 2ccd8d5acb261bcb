/**
 * LLB capability ids, named as buildkit v0.32.2's `solver/pb/caps.go` names
 * them (without the `Cap` prefix; `SourceHTTPUIDGID`'s typo is buildkit's).
 * The daemon lists the caps it supports; a Definition records the caps its
 * ops need in each op's metadata.
 */

/** Every cap id of `solver/pb/caps.go`, by its Go name. */
export const Caps = {
  SourceImage: "source.image",
  SourceImageResolveMode: "source.image.resolvemode",
  SourceImageLayerLimit: "source.image.layerlimit",
  SourceImageChecksum: "source.image.checksum",

  SourceLocal: "source.local",
  SourceLocalUnique: "source.local.unique",
  SourceLocalSessionID: "source.local.sessionid",
  SourceLocalIncludePatterns: "source.local.includepatterns",
  SourceLocalFollowPaths: "source.local.followpaths",
  SourceLocalExcludePatterns: "source.local.excludepatterns",
  SourceLocalSharedKeyHint: "source.local.sharedkeyhint",
  SourceLocalDiffer: "source.local.differ",
  SourceMetadataTransfer: "source.local.metadatatransfer",

  SourceGit: "source.git",
  SourceGitKeepDir: "source.git.keepgitdir",
  SourceGitFullURL: "source.git.fullurl",
  SourceGitHTTPAuth: "source.git.httpauth",
  SourceGitKnownSSHHosts: "source.git.knownsshhosts",
  SourceGitMountSSHSock: "source.git.mountsshsock",
  SourceGitSubdir: "source.git.subdir",
  SourceGitChecksum: "source.git.checksum",
  SourceGitSkipSubmodules: "source.git.skipsubmodules",
  SourceGitSignatureVerify: "source.git.signatureverify",
  SourceGitMTime: "source.git.mtime",
  SourceGitFetchByCommit: "source.git.fetchbycommit",
  SourceGitBundle: "source.git.bundle",
  SourceGitCheckoutBundle: "source.git.checkoutbundle",

  SourceHTTP: "source.http",
  SourceHTTPAuth: "source.http.auth",
  SourceHTTPChecksum: "source.http.checksum",
  SourceHTTPPerm: "source.http.perm",
  // NOTE the historical typo
  SourceHTTPUIDGID: "soruce.http.uidgid",
  SourceHTTPHeader: "source.http.header",
  SourceHTTPSignatureVerify: "source.http.signatureverify",

  SourceImageBlob: "source.imageblob",

  SourceOCILayout: "source.ocilayout",

  BuildOpLLBFileName: "source.buildop.llbfilename",

  ExecMetaBase: "exec.meta.base",
  ExecMetaCgroupParent: "exec.meta.cgroup.parent",
  ExecMetaNetwork: "exec.meta.network",
  ExecMetaNetworkProxy: "exec.meta.network.proxy",
  ExecMetaProxy: "exec.meta.proxyenv",
  ExecMetaSecurity: "exec.meta.security",
  ExecMetaSecurityDeviceWhitelistV1: "exec.meta.security.devices.v1",
  ExecMetaSetsDefaultPath: "exec.meta.setsdefaultpath",
  ExecMetaUlimit: "exec.meta.ulimit",
  ExecMetaCDI: "exec.meta.cdi",
  ExecMetaRemoveMountStubsRecursive: "exec.meta.removemountstubs.recursive",
  ExecMetaLinuxResources: "exec.meta.linux.resources",
  ExecMountBind: "exec.mount.bind",
  ExecMountBindReadWriteNoOutput: "exec.mount.bind.readwrite-nooutput",
  ExecMountCache: "exec.mount.cache",
  ExecMountCacheSharing: "exec.mount.cache.sharing",
  ExecMountSelector: "exec.mount.selector",
  ExecMountTmpfs: "exec.mount.tmpfs",
  ExecMountTmpfsSize: "exec.mount.tmpfs.size",
  ExecMountSecret: "exec.mount.secret",
  ExecMountSSH: "exec.mount.ssh",
  ExecMountContentCache: "exec.mount.cache.content",
  ExecCgroupsMounted: "exec.cgroup",
  ExecSecretEnv: "exec.secretenv",
  ExecValidExitCode: "exec.validexitcode",

  FileBase: "file.base",
  FileRmWildcard: "file.rm.wildcard",
  FileCopyIncludeExcludePatterns: "file.copy.includeexcludepatterns",
  FileCopyRequiredPaths: "file.copy.requiredpaths",
  FileRmNoFollowSymlink: "file.rm.nofollowsymlink",
  FileCopyAlwaysReplaceExistingDestPaths: "file.copy.alwaysreplaceexistingdestpaths",
  FileCopyModeStringFormat: "file.copy.modestring",
  FileSymlinkCreate: "file.symlink.create",

  Constraints: "constraints",
  Platform: "platform",

  MetaIgnoreCache: "meta.ignorecache",
  MetaDescription: "meta.description",
  MetaExportCache: "meta.exportcache",

  RemoteCacheGHA: "cache.gha",
  RemoteCacheS3: "cache.s3",
  RemoteCacheAzBlob: "cache.azblob",

  MergeOp: "mergeop",
  DiffOp: "diffop",
  PassthroughOp: "passthroughop",

  Annotations: "exporter.image.annotations",
  Attestations: "exporter.image.attestations",

  // CapSourceDateEpoch is the capability to automatically handle the date epoch
  SourceDateEpoch: "exporter.sourcedateepoch",

  MultipleExporters: "exporter.multiple",
  SessionExporter: "exporter.session",

  SourcePolicy: "source.policy",
  SourcePolicySession: "source.policy.session",

  // GC/Prune controls allow MinFreeSpace and MaxUsedSpace to be set
  GCFreeSpaceFilter: "gc.freespacefilter",

  // ListenBuildHistory requests support server-side filters
  HistoryFilters: "history.filter",
} as const;

/** One LLB capability id (`apicaps.CapID`). */
export type CapID = (typeof Caps)[keyof typeof Caps];
