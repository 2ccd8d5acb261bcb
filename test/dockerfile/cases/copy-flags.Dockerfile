FROM busybox
RUN adduser -D app
COPY --chown=app:app a.txt /home/app/
COPY --chown=1000 b.txt /b
COPY --chmod=755 run.sh /run.sh
COPY --chmod=u+x,g=r script /s
COPY --link data /data
COPY --link --chown=1:2 --chmod=640 cfg /cfg
COPY ["with space.txt", "/dst dir/"]
