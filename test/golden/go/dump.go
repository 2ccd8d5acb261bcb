package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// cmdDump prints a .pb Definition file in a readable form: every op with
// its digest (as protojson), then the metadata and source sections.
func cmdDump(args []string) error {
	fs := flag.NewFlagSet("dump", flag.ExitOnError)
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: golden dump FILE.pb")
	}
	dt, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var def pb.Definition
	if err := proto.Unmarshal(dt, &def); err != nil {
		return err
	}
	jm := protojson.MarshalOptions{Multiline: true, Indent: "  "}
	for i, opBytes := range def.Def {
		var op pb.Op
		if err := proto.Unmarshal(opBytes, &op); err != nil {
			return err
		}
		fmt.Printf("# op %d %s\n%s\n", i, digest.FromBytes(opBytes), jm.Format(&op))
	}
	meta := &pb.Definition{Metadata: def.Metadata, Source: def.Source}
	fmt.Printf("# metadata+source\n%s\n", jm.Format(meta))
	return nil
}
