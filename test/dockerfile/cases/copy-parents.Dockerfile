FROM scratch
COPY --parents x/a.txt y/b.txt /out/
COPY --parents ./src/./pkg/*.go /go/
COPY --parents --exclude=*.tmp /./data/ /d/
