FROM scratch AS src
ARG V=1.0
ADD https://example.com/src-${V}.tar.gz /
FROM busybox
RUN echo hi
