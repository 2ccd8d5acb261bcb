FROM example.com/windows:1
WORKDIR C:\\app
RUN dir
