FROM example.com/empty-rootfs:1
COPY . /
