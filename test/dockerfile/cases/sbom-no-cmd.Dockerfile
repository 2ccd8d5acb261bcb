FROM scratch
COPY hello.txt /hello.txt
