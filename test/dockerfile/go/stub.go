package main

// The stub image table (../stub-images.json), read the same way by the
// TypeScript side (../stub-resolver.ts): no network, deterministic answers.
//
// Lookup of a ref: the exact string, then its short form (without a leading
// "docker.io/library/" or "docker.io/", then without a trailing ":latest").
// An entry is {"config": {...}, "digest": "sha256:..."} or {"error": "msg"}.
// A config without "os"/"architecture" gets the requested platform's (and its
// variant). A ref not in the table gets a generated linux image for the
// requested platform (genConfig). The digest, unless the entry gives one, is
// sha256("<ref>|<os>/<arch>[/<variant>]").

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"

	"github.com/moby/buildkit/client/llb/sourceresolver"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

type stubEntry struct {
	Config map[string]any `json:"config"`
	Digest string         `json:"digest"`
	Error  string         `json:"error"`
}

type stubTable struct {
	Images map[string]stubEntry `json:"images"`
}

type stubResolver struct {
	table stubTable
}

func loadStub(file string) (*stubResolver, error) {
	dt, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var t stubTable
	if err := json.Unmarshal(dt, &t); err != nil {
		return nil, err
	}
	return &stubResolver{table: t}, nil
}

func shortRef(ref string) string {
	s := ref
	if strings.HasPrefix(s, "docker.io/library/") {
		s = strings.TrimPrefix(s, "docker.io/library/")
	} else if strings.HasPrefix(s, "docker.io/") {
		s = strings.TrimPrefix(s, "docker.io/")
	}
	return strings.TrimSuffix(s, ":latest")
}

func hexSum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func platformKey(p *ocispecs.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func genConfig(ref string) map[string]any {
	return map[string]any{
		"created": "2024-01-01T00:00:00Z",
		"config": map[string]any{
			"Env": []any{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []any{"sha256:" + hexSum("layer|"+ref)},
		},
		"history": []any{map[string]any{"created": "2024-01-01T00:00:00Z", "created_by": "stub " + ref}},
	}
}

func (r *stubResolver) lookup(ref string) (stubEntry, bool) {
	if e, ok := r.table.Images[ref]; ok {
		return e, true
	}
	e, ok := r.table.Images[shortRef(ref)]
	return e, ok
}

// resolve answers for a ref and a platform: (digest, config JSON).
func (r *stubResolver) resolve(ref string, p *ocispecs.Platform) (digest.Digest, []byte, error) {
	e, ok := r.lookup(ref)
	if ok && e.Error != "" {
		return "", nil, errors.New(e.Error)
	}
	var cfg map[string]any
	if ok && e.Config != nil {
		// a copy: the entry is shared
		dt, _ := json.Marshal(e.Config)
		_ = json.Unmarshal(dt, &cfg)
	} else {
		cfg = genConfig(ref)
	}
	if _, has := cfg["os"]; !has {
		pp := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
		if p != nil {
			pp = *p
		}
		cfg["os"] = pp.OS
		cfg["architecture"] = pp.Architecture
		if pp.Variant != "" {
			cfg["variant"] = pp.Variant
		}
	}
	dgst := digest.Digest("sha256:" + hexSum(ref+"|"+platformKey(p)))
	if ok && e.Digest != "" {
		dgst = digest.Digest(e.Digest)
	}
	dt, err := json.Marshal(cfg)
	if err != nil {
		return "", nil, err
	}
	return dgst, dt, nil
}

// ResolveImageConfig implements llb.ImageMetaResolver.
func (r *stubResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	var p *ocispecs.Platform
	if opt.ImageOpt != nil {
		p = opt.ImageOpt.Platform
	} else if opt.OCILayoutOpt != nil {
		p = opt.OCILayoutOpt.Platform
	}
	dgst, dt, err := r.resolve(ref, p)
	if err != nil {
		return "", "", nil, err
	}
	return ref, dgst, dt, nil
}
