ARG BUILDKIT_SBOM_SCAN_CONTEXT=true
FROM busybox AS build
ARG BUILDKIT_SBOM_SCAN_STAGE=true
RUN echo hi > /out.txt

FROM busybox AS unused
RUN echo never

FROM scratch AS tools
COPY hello.txt /tools.txt

FROM scratch
COPY --from=build /out.txt /out.txt
COPY --from=tools /tools.txt /tools.txt
COPY hello.txt /hello.txt
