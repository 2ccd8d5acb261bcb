// Command golden produces golden LLB vectors with Go's
// github.com/moby/buildkit/client/llb (the version pinned in go.mod).
//
//	golden vectors -out DIR            write DIR/<case>.pb and DIR/index.json
//	golden list [-desc]                print case names (with -desc: markdown lines)
//	golden bench -ops N -iters K -warmup W
//	golden benchdef -ops N -out FILE   write the benchmark graph's Definition
//	golden dump FILE.pb                print a Definition as protojson
//	golden table NAME -in FILE         recompute a unit-test table (tables.go)
//
// Every .pb file holds a serialized pb.Definition (def.ToPB()) encoded with
// deterministic protobuf marshaling (map entries sorted by key). See
// ../CASES.md for why this is not exactly llb.WriteTo.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"google.golang.org/protobuf/proto"
)

// Case is one golden vector.
//
// The vector is State() marshalled with
//
//	st.Marshal(ctx, llb.LinuxAmd64, llb.LocalUniqueID("golden-unique"), Opts...)
//
// i.e. the case's Opts come after (and therefore override) the defaults.
type Case struct {
	Name  string
	Doc   string
	State func() llb.State
	Opts  []llb.ConstraintsOpt
}

// defaultOpts are passed to Marshal for every case, before the case's Opts.
func defaultOpts() []llb.ConstraintsOpt {
	return []llb.ConstraintsOpt{llb.LinuxAmd64, llb.LocalUniqueID("golden-unique")}
}

// registry lists all cases, in index.json order.
func registry() []Case {
	var all []Case
	for _, group := range [][]Case{
		imageCases,
		localCases,
		gitCases,
		httpCases,
		otherSourceCases,
		execCases,
		mountCases,
		secretSSHCases,
		fileCases,
		mergeDiffCases,
		stateCases,
		metaCases,
		sourceMapCases,
		platformCases,
		scaleCases,
		dumpCases,
	} {
		all = append(all, group...)
	}
	return all
}

// marshalCase builds the case's graph from scratch and marshals it.
func marshalCase(ctx context.Context, c Case) (*llb.Definition, error) {
	st := c.State()
	opts := append(defaultOpts(), c.Opts...)
	return st.Marshal(ctx, opts...)
}

// encode serializes def.ToPB() deterministically (sorted map keys).
func encode(def *llb.Definition) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
}

// checkAgainstWriteTo checks that llb.WriteTo (vtproto, unordered maps)
// encodes the same message with the same length as our deterministic bytes.
func checkAgainstWriteTo(def *llb.Definition, want []byte) error {
	var buf bytes.Buffer
	if err := llb.WriteTo(def, &buf); err != nil {
		return err
	}
	if buf.Len() != len(want) {
		return fmt.Errorf("llb.WriteTo wrote %d bytes, deterministic encoding is %d bytes", buf.Len(), len(want))
	}
	var a, b pb.Definition
	if err := proto.Unmarshal(buf.Bytes(), &a); err != nil {
		return err
	}
	if err := proto.Unmarshal(want, &b); err != nil {
		return err
	}
	if !proto.Equal(&a, &b) {
		return fmt.Errorf("llb.WriteTo output decodes to a different message")
	}
	return nil
}

func cmdVectors(args []string) error {
	fs := flag.NewFlagSet("vectors", flag.ExitOnError)
	out := fs.String("out", "", "output directory")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("vectors: -out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	cases := registry()
	var names []string
	seen := map[string]bool{}
	failed := 0
	for _, c := range cases {
		if seen[c.Name] {
			return fmt.Errorf("duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
		names = append(names, c.Name)

		dt, err := vectorBytes(ctx, c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", c.Name, err)
			failed++
			continue
		}
		if err := os.WriteFile(filepath.Join(*out, c.Name+".pb"), dt, 0o644); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d case(s) failed", failed)
	}
	idx, err := json.MarshalIndent(names, "", "  ")
	if err != nil {
		return err
	}
	idx = append(idx, '\n')
	if err := os.WriteFile(filepath.Join(*out, "index.json"), idx, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d vectors to %s\n", len(names), *out)
	return nil
}

// vectorBytes marshals a case twice (fresh graphs) and checks both the
// determinism of the result and its equivalence with llb.WriteTo.
func vectorBytes(ctx context.Context, c Case) ([]byte, error) {
	def, err := marshalCase(ctx, c)
	if err != nil {
		return nil, err
	}
	dt, err := encode(def)
	if err != nil {
		return nil, err
	}
	if err := checkAgainstWriteTo(def, dt); err != nil {
		return nil, err
	}
	def2, err := marshalCase(ctx, c)
	if err != nil {
		return nil, err
	}
	dt2, err := encode(def2)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(dt, dt2) {
		return nil, fmt.Errorf("not deterministic: two marshals differ")
	}
	return dt, nil
}

func cmdList(args []string) error {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	desc := fs.Bool("desc", false, "print markdown lines with descriptions")
	fs.Parse(args)
	for _, c := range registry() {
		if *desc {
			fmt.Printf("- `%s` — %s\n", c.Name, c.Doc)
		} else {
			fmt.Println(c.Name)
		}
	}
	return nil
}

func cmdBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	ops := fs.Int("ops", 1000, "total ops in def.Def (including the terminal op)")
	iters := fs.Int("iters", 20, "measured iterations")
	warmup := fs.Int("warmup", 3, "warm-up iterations")
	fs.Parse(args)
	if *iters < 1 {
		return fmt.Errorf("bench: -iters must be >= 1")
	}
	ctx := context.Background()
	var nops int
	run := func() (time.Duration, error) {
		start := time.Now()
		def, err := BenchGraph(*ops).Marshal(ctx, benchOpts()...)
		if err != nil {
			return 0, err
		}
		if _, err := def.ToPB().Marshal(); err != nil {
			return 0, err
		}
		d := time.Since(start)
		nops = len(def.Def)
		return d, nil
	}
	for i := 0; i < *warmup; i++ {
		if _, err := run(); err != nil {
			return err
		}
	}
	durs := make([]time.Duration, 0, *iters)
	for i := 0; i < *iters; i++ {
		d, err := run()
		if err != nil {
			return err
		}
		durs = append(durs, d)
	}
	slices.Sort(durs)
	var median float64
	if n := len(durs); n%2 == 1 {
		median = float64(durs[n/2])
	} else {
		median = (float64(durs[n/2-1]) + float64(durs[n/2])) / 2
	}
	res := struct {
		Ops       int     `json:"ops"`
		Iters     int     `json:"iters"`
		MedianNs  int64   `json:"medianNs"`
		MinNs     int64   `json:"minNs"`
		OpsPerSec float64 `json:"opsPerSec"`
	}{
		Ops:       nops,
		Iters:     *iters,
		MedianNs:  int64(median),
		MinNs:     int64(durs[0]),
		OpsPerSec: float64(nops) / (median / 1e9),
	}
	line, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

func cmdBenchDef(args []string) error {
	fs := flag.NewFlagSet("benchdef", flag.ExitOnError)
	ops := fs.Int("ops", 1000, "total ops in def.Def (including the terminal op)")
	out := fs.String("out", "", "output file")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("benchdef: -out is required")
	}
	def, err := BenchGraph(*ops).Marshal(context.Background(), benchOpts()...)
	if err != nil {
		return err
	}
	if len(def.Def) != *ops {
		return fmt.Errorf("benchdef: graph has %d ops, want %d", len(def.Def), *ops)
	}
	dt, err := encode(def)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, dt, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote benchmark definition with %d ops (%d bytes) to %s\n", len(def.Def), len(dt), *out)
	return nil
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  golden vectors -out DIR
  golden list [-desc]
  golden bench -ops N -iters K -warmup W
  golden benchdef -ops N -out FILE
  golden dump FILE.pb
  golden table NAME -in FILE
  golden graphs -in FILE`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "vectors":
		err = cmdVectors(os.Args[2:])
	case "list":
		err = cmdList(os.Args[2:])
	case "bench":
		err = cmdBench(os.Args[2:])
	case "benchdef":
		err = cmdBenchDef(os.Args[2:])
	case "dump":
		err = cmdDump(os.Args[2:])
	case "table":
		err = cmdTable(os.Args[2:])
	case "graphs":
		err = cmdGraphs(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "golden:", err)
		os.Exit(1)
	}
}
