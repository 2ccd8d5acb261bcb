package main

import (
	"fmt"

	"github.com/moby/buildkit/client/llb"
)

// benchOpts are the Marshal options of the benchmark graph.
func benchOpts() []llb.ConstraintsOpt {
	return []llb.ConstraintsOpt{llb.LinuxAmd64, llb.LocalUniqueID("golden-unique")}
}

// benchGroupSize is the number of chains merged by each group Merge.
const benchGroupSize = 10

// benchPlan computes the shape of the benchmark graph for n total ops
// (len(def.Def), counting the terminal op). See CASES.md "Benchmark graph".
//
//	chains  C = max(1, n/100)
//	groups  G = ceil(C/10), group g holds chains [10g, min(10g+10, C))
//	merges  M = (#groups with >= 2 chains) + (1 if G >= 2)
//	sources U = min(C, 20)   (chain i uses alpine:3.(i%20); equal refs dedup)
//	steps   S = n - 1 - M - U, chain i gets S/C steps, +1 if i < S%C
func benchPlan(n int) (chains int, steps []int) {
	if n < 2 {
		panic(fmt.Sprintf("bench: -ops must be >= 2, got %d", n))
	}
	chains = max(1, n/100)
	groups := (chains + benchGroupSize - 1) / benchGroupSize
	merges := 0
	for g := 0; g < groups; g++ {
		if min(chains, (g+1)*benchGroupSize)-g*benchGroupSize >= 2 {
			merges++
		}
	}
	if groups >= 2 {
		merges++
	}
	sources := min(chains, 20)
	total := n - 1 - merges - sources
	if total < 0 {
		panic(fmt.Sprintf("bench: -ops %d too small", n))
	}
	steps = make([]int, chains)
	for i := range steps {
		steps[i] = total / chains
		if i < total%chains {
			steps[i]++
		}
	}
	return chains, steps
}

// benchChain builds chain i with the given number of steps. Step j:
//
//	j%4 == 0: AddEnv("STEP", j) then Run(Shlexf("echo %d-%d", i, j))
//	j%4 == 1: File(Mkfile("/f-i-j.txt", 0644, "data i j"))
//	j%4 == 2: Run(Shlexf("echo %d-%d", i, j)) with a shared cache mount /cache id "bench-cache"
//	j%4 == 3: File(Mkdir("/d-i-j", 0755, WithParents(true)).Copy(img, "/etc/os-release", "/d-i-j/os-release"))
//
// where img is the chain's source image state.
func benchChain(i, steps int) llb.State {
	img := llb.Image(fmt.Sprintf("docker.io/library/alpine:3.%d", i%20))
	st := img.AddEnv("CHAIN", fmt.Sprintf("%d", i))
	for j := 0; j < steps; j++ {
		switch j % 4 {
		case 0:
			st = st.AddEnv("STEP", fmt.Sprintf("%d", j))
			st = st.Run(llb.Shlexf("echo %d-%d", i, j)).Root()
		case 1:
			st = st.File(llb.Mkfile(fmt.Sprintf("/f-%d-%d.txt", i, j), 0o644, []byte(fmt.Sprintf("data %d %d", i, j))))
		case 2:
			st = st.Run(
				llb.Shlexf("echo %d-%d", i, j),
				llb.AddMount("/cache", llb.Scratch(), llb.AsPersistentCacheDir("bench-cache", llb.CacheMountShared)),
			).Root()
		case 3:
			dir := fmt.Sprintf("/d-%d-%d", i, j)
			st = st.File(llb.Mkdir(dir, 0o755, llb.WithParents(true)).Copy(img, "/etc/os-release", dir+"/os-release"))
		}
	}
	return st
}

// BenchGraph builds the benchmark graph with exactly n ops in def.Def.
// Chains are merged in groups of 10 (llb.Merge), then all group results
// are merged by a final llb.Merge. A group (or the final merge) with a
// single input produces no op (llb.Merge returns that input).
func BenchGraph(n int) llb.State {
	chains, steps := benchPlan(n)
	var groupStates []llb.State
	for start := 0; start < chains; start += benchGroupSize {
		var members []llb.State
		for i := start; i < min(start+benchGroupSize, chains); i++ {
			members = append(members, benchChain(i, steps[i]))
		}
		groupStates = append(groupStates, llb.Merge(members))
	}
	return llb.Merge(groupStates)
}
