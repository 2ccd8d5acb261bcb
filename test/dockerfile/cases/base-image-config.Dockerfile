FROM example.com/user-image:1
RUN whoami
WORKDIR sub
CMD echo uses the image shell
