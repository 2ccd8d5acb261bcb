FROM busybox
MAINTAINER Someone <someone@example.com>
STOPSIGNAL SIGTERM
STOPSIGNAL 9
