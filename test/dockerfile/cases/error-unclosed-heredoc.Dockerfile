FROM busybox
RUN <<EOF
echo never closed
