FROM scratch
COPY *.txt /dst/
COPY file?.go src/[a-c]*.c /src/
COPY dir/ /dir
COPY single /renamed
