FROM busybox
RUN --network=none echo offline
RUN --network=host echo host
RUN --network=default echo default
RUN --security=sandbox echo sandbox
