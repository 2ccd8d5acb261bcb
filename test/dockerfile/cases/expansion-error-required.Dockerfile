FROM busybox
ENV X=${UNSET:?required}
