FROM busybox AS build
RUN echo hi > /out.txt

FROM scratch
COPY --from=build /out.txt /out.txt
COPY hello.txt /hello.txt
