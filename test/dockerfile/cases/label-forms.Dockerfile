FROM busybox
LABEL a=b "quoted key"="quoted value" multi="line \
continued"
LABEL legacy label value
LABEL org.opencontainers.image.title=test
