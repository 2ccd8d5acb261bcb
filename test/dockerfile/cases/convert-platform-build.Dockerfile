FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETARCH TARGETOS
RUN GOARCH=$TARGETARCH go build -o /out/app .
FROM --platform=linux/arm64/v8 busybox AS armstage
RUN uname -m
FROM scratch
COPY --from=build /out/app /app
COPY --from=armstage /bin/sh /sh
