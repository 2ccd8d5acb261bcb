FROM busybox
COPY --chmod=u+q a /a
