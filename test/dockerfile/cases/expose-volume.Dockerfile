FROM busybox
EXPOSE 80 443/tcp 53/udp 8000-8002
EXPOSE 9000/sctp
VOLUME ["/data", "/logs"]
VOLUME /a /b
VOLUME /single
