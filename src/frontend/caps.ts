/**
 * The frontend feature caps the image declares in its
 * `moby.buildkit.frontend.caps` label (Dockerfile.frontend writes it from this
 * list). buildkitd refuses a request asking for a cap the label lacks
 * (`frontend/gateway/gateway.go`, buildkit v0.32.2), and buildx/buildctl ask
 * for them (`inputs` when FrontendInputs are sent, `subrequests+forward` for
 * `--call`, `contexts+forward` for `--build-context`). Keep in step with the
 * label of buildkit's own image (`frontend/dockerfile/cmd/dockerfile-frontend/
 * Dockerfile`: inputs, subrequests, contexts, gitquerystring); each is
 * implemented (git contexts read their query keys: program/git-ref.ts).
 */
export const FRONTEND_CAPS: readonly string[] = [
  "moby.buildkit.frontend.inputs",
  "moby.buildkit.frontend.subrequests",
  "moby.buildkit.frontend.contexts",
  "moby.buildkit.frontend.gitquerystring",
];
