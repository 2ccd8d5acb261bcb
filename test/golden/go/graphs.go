package main

// `golden graphs -in FILE`: builds every graph program of FILE (a JSON array,
// written by test/golden/graph-fuzz.ts) with client/llb and prints one JSON
// line per program: its name and the Definition's deterministic bytes
// (base64), or the error Marshal returned. The program is a list of nodes,
// each built from earlier ones by index; the TypeScript side builds the same
// list with our llb (graph-fuzz.ts `buildGraph`), one call for one call.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

type graphProgram struct {
	Name     string      `json:"name"`
	Platform string      `json:"platform"`
	Nodes    []graphNode `json:"nodes"`
	Output   int         `json:"output"`
}

type graphMount struct {
	Target   string `json:"target"`
	Source   *int   `json:"source"`
	Readonly bool   `json:"readonly"`
	Selector string `json:"selector"`
	CacheID  string `json:"cacheID"`
	Sharing  string `json:"sharing"`
	Tmpfs    bool   `json:"tmpfs"`
}

type graphUlimit struct {
	Name string `json:"name"`
	Soft int64  `json:"soft"`
	Hard int64  `json:"hard"`
}

type graphGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Weak bool   `json:"weak"`
}

type graphSecret struct {
	ID       string `json:"id"`
	Target   string `json:"target"`
	Optional bool   `json:"optional"`
}

type graphAction struct {
	A                   string   `json:"a"`
	Path                string   `json:"path"`
	Mode                uint32   `json:"mode"`
	Parents             bool     `json:"parents"`
	Data                string   `json:"data"`
	AllowNotFound       bool     `json:"allowNotFound"`
	AllowWildcard       bool     `json:"allowWildcard"`
	From                int      `json:"from"`
	Src                 string   `json:"src"`
	Dst                 string   `json:"dst"`
	CreateDestPath      bool     `json:"createDestPath"`
	CopyDirContentsOnly bool     `json:"copyDirContentsOnly"`
	FollowSymlinks      bool     `json:"followSymlinks"`
	CopyMode            *uint32  `json:"copyMode"`
	RequiredPaths       []string `json:"requiredPaths"`
	AttemptUnpack       bool     `json:"attemptUnpack"`
	AllowEmptyWildcard  bool     `json:"allowEmptyWildcard"`
	AlwaysReplace       bool     `json:"alwaysReplace"`
	IncludePatterns     []string `json:"includePatterns"`
	ExcludePatterns     []string `json:"excludePatterns"`
	Chown               string   `json:"chown"`
	Created             bool     `json:"created"`
	Target              string   `json:"target"`
}

// fileOpts are an action's chown (llb.WithUser) and created time (fixedTime), as the action takes them.
func fileOpts[T any](a graphAction) []T {
	var out []T
	if a.Chown != "" {
		out = append(out, any(llb.WithUser(a.Chown)).(T))
	}
	if a.Created {
		out = append(out, any(llb.WithCreatedTime(fixedTime)).(T))
	}
	return out
}

type graphNode struct {
	K string `json:"k"`
	// sources
	Ref           string   `json:"ref"`
	Platform      string   `json:"platform"`
	Name          string   `json:"name"`
	Include       []string `json:"include"`
	Exclude       []string `json:"exclude"`
	FollowPaths   []string `json:"followPaths"`
	SharedKeyHint string   `json:"sharedKeyHint"`
	URL           string   `json:"url"`
	GitRef        string   `json:"gitRef"`
	KeepGitDir    bool     `json:"keepGitDir"`
	Filename      string   `json:"filename"`
	Chmod         uint32   `json:"chmod"`
	ResolveMode   string   `json:"resolveMode"`
	LayerLimit    *int     `json:"layerLimit"`
	Differ        string   `json:"differ"`
	DifferReq     bool     `json:"differRequired"`
	SubDir        string   `json:"subdir"`
	SkipSubmod    bool     `json:"skipSubmodules"`
	MTimeCommit   bool     `json:"mtimeCommit"`
	FetchByCommit bool     `json:"fetchByCommit"`
	Checksum      string   `json:"checksum"`
	// derived states
	Base   int    `json:"base"`
	Inputs []int  `json:"inputs"`
	Lower  int    `json:"lower"`
	Upper  int    `json:"upper"`
	Key    string `json:"key"`
	Value  string `json:"value"`
	// run
	Args           []string          `json:"args"`
	Shlex          string            `json:"shlex"`
	Env            [][2]string       `json:"env"`
	Dir            string            `json:"dir"`
	User           string            `json:"user"`
	Network        string            `json:"network"`
	Security       string            `json:"security"`
	Hostname       string            `json:"hostname"`
	IgnoreCache    bool              `json:"ignoreCache"`
	CustomName     string            `json:"customName"`
	Mounts         []graphMount      `json:"mounts"`
	Secrets        []graphSecret     `json:"secrets"`
	SSH            []graphSecret     `json:"ssh"`
	Out            string            `json:"out"`
	ExtraHosts     [][2]string       `json:"extraHosts"`
	Ulimits        []graphUlimit     `json:"ulimits"`
	CgroupParent   string            `json:"cgroupParent"`
	ValidExit      []int             `json:"validExitCodes"`
	Description    map[string]string `json:"description"`
	Group          *graphGroup       `json:"progressGroup"`
	Proxy          *llb.ProxyEnv     `json:"proxy"`
	ReadonlyRootfs bool              `json:"readonlyRootfs"`
	// file
	Actions []graphAction `json:"actions"`
}

func parsePlatform(s string) (llb.ConstraintsOpt, error) {
	p, err := platforms.Parse(s)
	if err != nil {
		return nil, err
	}
	return llb.Platform(platforms.Normalize(p)), nil
}

func buildGraph(p graphProgram) (llb.State, error) {
	states := make([]llb.State, 0, len(p.Nodes))
	at := func(i int) (llb.State, error) {
		if i < 0 || i >= len(states) {
			return llb.State{}, fmt.Errorf("node index %d out of range", i)
		}
		return states[i], nil
	}
	for _, n := range p.Nodes {
		var st llb.State
		switch n.K {
		case "scratch":
			st = llb.Scratch()
		case "image":
			var opts []llb.ImageOption
			if n.Platform != "" {
				o, err := parsePlatform(n.Platform)
				if err != nil {
					return st, err
				}
				opts = append(opts, o)
			}
			switch n.ResolveMode {
			case "pull":
				opts = append(opts, llb.ResolveModeForcePull)
			case "local":
				opts = append(opts, llb.ResolveModePreferLocal)
			case "default":
				opts = append(opts, llb.ResolveModeDefault)
			}
			if n.LayerLimit != nil {
				opts = append(opts, llb.WithLayerLimit(*n.LayerLimit))
			}
			st = llb.Image(n.Ref, opts...)
		case "local":
			var opts []llb.LocalOption
			if n.Include != nil {
				opts = append(opts, llb.IncludePatterns(n.Include))
			}
			if n.Exclude != nil {
				opts = append(opts, llb.ExcludePatterns(n.Exclude))
			}
			if n.FollowPaths != nil {
				opts = append(opts, llb.FollowPaths(n.FollowPaths))
			}
			if n.SharedKeyHint != "" {
				opts = append(opts, llb.SharedKeyHint(n.SharedKeyHint))
			}
			switch n.Differ {
			case "none":
				opts = append(opts, llb.Differ(llb.DiffNone, n.DifferReq))
			case "metadata":
				opts = append(opts, llb.Differ(llb.DiffMetadata, n.DifferReq))
			}
			st = llb.Local(n.Name, opts...)
		case "git":
			var opts []llb.GitOption
			if n.KeepGitDir {
				opts = append(opts, llb.KeepGitDir())
			}
			if n.SubDir != "" {
				opts = append(opts, llb.GitSubDir(n.SubDir))
			}
			if n.SkipSubmod {
				opts = append(opts, llb.GitSkipSubmodules())
			}
			if n.MTimeCommit {
				opts = append(opts, llb.GitMTimeCommit())
			}
			if n.FetchByCommit {
				opts = append(opts, llb.GitFetchByCommit())
			}
			if n.Checksum != "" {
				opts = append(opts, llb.GitChecksum(n.Checksum))
			}
			st = llb.Git(n.URL, n.GitRef, opts...)
		case "http":
			var opts []llb.HTTPOption
			if n.Filename != "" {
				opts = append(opts, llb.Filename(n.Filename))
			}
			if n.Chmod != 0 {
				opts = append(opts, llb.Chmod(os.FileMode(n.Chmod)))
			}
			if n.Checksum != "" {
				opts = append(opts, llb.Checksum(digest.Digest(n.Checksum)))
			}
			st = llb.HTTP(n.URL, opts...)
		case "env", "dir", "user", "platform", "network", "security", "hostname", "extraHost":
			base, err := at(n.Base)
			if err != nil {
				return st, err
			}
			switch n.K {
			case "env":
				st = base.AddEnv(n.Key, n.Value)
			case "dir":
				st = base.Dir(n.Value)
			case "user":
				st = base.User(n.Value)
			case "platform":
				pl, err := platforms.Parse(n.Value)
				if err != nil {
					return st, err
				}
				st = base.Platform(platforms.Normalize(pl))
			case "network":
				st = base.Network(map[string]pb.NetMode{"sandbox": pb.NetMode_UNSET, "host": pb.NetMode_HOST, "none": pb.NetMode_NONE}[n.Value])
			case "security":
				st = base.Security(map[string]pb.SecurityMode{"sandbox": pb.SecurityMode_SANDBOX, "insecure": pb.SecurityMode_INSECURE}[n.Value])
			case "hostname":
				st = base.Hostname(n.Value)
			case "extraHost":
				st = base.AddExtraHost(n.Key, net.ParseIP(n.Value))
			}
		case "merge":
			var in []llb.State
			for _, i := range n.Inputs {
				s, err := at(i)
				if err != nil {
					return st, err
				}
				in = append(in, s)
			}
			st = llb.Merge(in)
		case "diff":
			lower, err := at(n.Lower)
			if err != nil {
				return st, err
			}
			upper, err := at(n.Upper)
			if err != nil {
				return st, err
			}
			st = llb.Diff(lower, upper)
		case "run":
			base, err := at(n.Base)
			if err != nil {
				return st, err
			}
			s, err := buildRun(base, n, at)
			if err != nil {
				return st, err
			}
			st = s
		case "file":
			base, err := at(n.Base)
			if err != nil {
				return st, err
			}
			var fa *llb.FileAction
			for _, a := range n.Actions {
				next, err := buildAction(fa, a, at)
				if err != nil {
					return st, err
				}
				fa = next
			}
			st = base.File(fa)
		default:
			return st, fmt.Errorf("unknown node kind %q", n.K)
		}
		states = append(states, st)
	}
	return at(p.Output)
}

// buildRun applies the run's options in the order src/llb/exec.ts applies RunOptions.
func buildRun(base llb.State, n graphNode, at func(int) (llb.State, error)) (llb.State, error) {
	var ro []llb.RunOption
	if n.Args != nil {
		ro = append(ro, llb.Args(n.Args))
	} else {
		ro = append(ro, llb.Shlex(n.Shlex))
	}
	for _, kv := range n.Env {
		ro = append(ro, llb.AddEnv(kv[0], kv[1]))
	}
	if n.Dir != "" {
		ro = append(ro, llb.Dir(n.Dir))
	}
	if n.User != "" {
		ro = append(ro, llb.User(n.User))
	}
	if n.Hostname != "" {
		ro = append(ro, llb.Hostname(n.Hostname))
	}
	switch n.Network {
	case "host":
		ro = append(ro, llb.Network(pb.NetMode_HOST))
	case "none":
		ro = append(ro, llb.Network(pb.NetMode_NONE))
	}
	if n.Security == "insecure" {
		ro = append(ro, llb.Security(pb.SecurityMode_INSECURE))
	}
	// The constraints in the order src/llb/constraints.ts applies ConstraintsOptions
	// (description before customName: a description's llb.customname is overridden).
	if n.Description != nil {
		ro = append(ro, llb.WithDescription(n.Description))
	}
	if n.CustomName != "" {
		ro = append(ro, llb.WithCustomName(n.CustomName))
	}
	if n.IgnoreCache {
		ro = append(ro, llb.IgnoreCache)
	}
	if n.Group != nil {
		ro = append(ro, llb.ProgressGroup(n.Group.ID, n.Group.Name, n.Group.Weak))
	}
	for _, h := range n.ExtraHosts {
		ro = append(ro, llb.AddExtraHost(h[0], net.ParseIP(h[1])))
	}
	for _, u := range n.Ulimits {
		ro = append(ro, llb.AddUlimit(llb.UlimitName(u.Name), u.Soft, u.Hard))
	}
	if n.CgroupParent != "" {
		ro = append(ro, llb.WithCgroupParent(n.CgroupParent))
	}
	if n.ValidExit != nil {
		ro = append(ro, llb.ValidExitCodes(n.ValidExit...))
	}
	if n.Proxy != nil {
		ro = append(ro, llb.WithProxy(*n.Proxy))
	}
	if n.ReadonlyRootfs {
		ro = append(ro, llb.ReadonlyRootFS())
	}
	for _, m := range n.Mounts {
		src := llb.Scratch()
		if m.Source != nil {
			s, err := at(*m.Source)
			if err != nil {
				return llb.State{}, err
			}
			src = s
		}
		var mo []llb.MountOption
		if m.Readonly {
			mo = append(mo, llb.Readonly)
		}
		if m.Selector != "" {
			mo = append(mo, llb.SourcePath(m.Selector))
		}
		if m.CacheID != "" {
			sharing := llb.CacheMountShared
			switch m.Sharing {
			case "private":
				sharing = llb.CacheMountPrivate
			case "locked":
				sharing = llb.CacheMountLocked
			}
			mo = append(mo, llb.AsPersistentCacheDir(m.CacheID, sharing))
		}
		if m.Tmpfs {
			mo = append(mo, llb.Tmpfs())
		}
		ro = append(ro, llb.AddMount(m.Target, src, mo...))
	}
	for _, s := range n.Secrets {
		var so []llb.SecretOption
		if s.ID != "" {
			so = append(so, llb.SecretID(s.ID))
		}
		if s.Optional {
			so = append(so, llb.SecretOptional)
		}
		ro = append(ro, llb.AddSecret(s.Target, so...))
	}
	for _, s := range n.SSH {
		var so []llb.SSHOption
		if s.ID != "" {
			so = append(so, llb.SSHID(s.ID))
		}
		if s.Target != "" {
			so = append(so, llb.SSHSocketTarget(s.Target))
		}
		if s.Optional {
			so = append(so, llb.SSHOptional)
		}
		ro = append(ro, llb.AddSSHSocket(so...))
	}
	es := base.Run(ro...)
	if n.Out == "" || n.Out == "root" {
		return es.Root(), nil
	}
	return es.GetMount(n.Out), nil
}

func buildAction(fa *llb.FileAction, a graphAction, at func(int) (llb.State, error)) (*llb.FileAction, error) {
	switch a.A {
	case "mkdir":
		opts := append([]llb.MkdirOption{llb.WithParents(a.Parents)}, fileOpts[llb.MkdirOption](a)...)
		if fa == nil {
			return llb.Mkdir(a.Path, os.FileMode(a.Mode), opts...), nil
		}
		return fa.Mkdir(a.Path, os.FileMode(a.Mode), opts...), nil
	case "mkfile":
		opts := fileOpts[llb.MkfileOption](a)
		if fa == nil {
			return llb.Mkfile(a.Path, os.FileMode(a.Mode), []byte(a.Data), opts...), nil
		}
		return fa.Mkfile(a.Path, os.FileMode(a.Mode), []byte(a.Data), opts...), nil
	case "symlink":
		opts := fileOpts[llb.SymlinkOption](a)
		if fa == nil {
			return llb.Symlink(a.Target, a.Path, opts...), nil
		}
		return fa.Symlink(a.Target, a.Path, opts...), nil
	case "rm":
		opts := []llb.RmOption{llb.WithAllowNotFound(a.AllowNotFound), llb.WithAllowWildcard(a.AllowWildcard)}
		if fa == nil {
			return llb.Rm(a.Path, opts...), nil
		}
		return fa.Rm(a.Path, opts...), nil
	case "copy":
		from, err := at(a.From)
		if err != nil {
			return nil, err
		}
		ci := &llb.CopyInfo{
			CreateDestPath:      a.CreateDestPath,
			AllowWildcard:       a.AllowWildcard,
			CopyDirContentsOnly: a.CopyDirContentsOnly,
			FollowSymlinks:      a.FollowSymlinks,
			IncludePatterns:     a.IncludePatterns,
			ExcludePatterns:     a.ExcludePatterns,
			RequiredPaths:       a.RequiredPaths,
			AttemptUnpack:       a.AttemptUnpack,
			AllowEmptyWildcard:  a.AllowEmptyWildcard,

			AlwaysReplaceExistingDestPaths: a.AlwaysReplace,
		}
		if a.CopyMode != nil {
			ci.Mode = &llb.ChmodOpt{Mode: os.FileMode(*a.CopyMode)}
		}
		for _, o := range fileOpts[llb.CopyOption](a) {
			o.SetCopyOption(ci)
		}
		if fa == nil {
			return llb.Copy(from, a.Src, a.Dst, ci), nil
		}
		return fa.Copy(from, a.Src, a.Dst, ci), nil
	}
	return nil, fmt.Errorf("unknown file action %q", a.A)
}

type graphAnswer struct {
	Name  string `json:"name"`
	Def   string `json:"def,omitempty"`
	Error string `json:"error,omitempty"`
}

func cmdGraphs(args []string) error {
	fs := flag.NewFlagSet("graphs", flag.ExitOnError)
	in := fs.String("in", "", "the JSON array of graph programs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dt, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var progs []graphProgram
	if err := json.Unmarshal(dt, &progs); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	ctx := context.Background()
	for _, p := range progs {
		ans := graphAnswer{Name: p.Name}
		if err := func() error {
			st, err := buildGraph(p)
			if err != nil {
				return err
			}
			opts := defaultOpts()
			if p.Platform != "" {
				o, err := parsePlatform(p.Platform)
				if err != nil {
					return err
				}
				opts = append(opts, o)
			}
			def, err := st.Marshal(ctx, opts...)
			if err != nil {
				return err
			}
			b, err := encode(def)
			if err != nil {
				return err
			}
			ans.Def = base64.StdEncoding.EncodeToString(b)
			return nil
		}(); err != nil {
			ans.Error = err.Error()
		}
		if err := enc.Encode(ans); err != nil {
			return err
		}
	}
	return nil
}
