FROM scratch AS src
ADD https://github.com/moby/buildkit.git#v0.32.2 /
FROM scratch
COPY --from=src / /
