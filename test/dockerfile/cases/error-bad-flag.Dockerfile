FROM busybox
RUN --unknown=flag echo
