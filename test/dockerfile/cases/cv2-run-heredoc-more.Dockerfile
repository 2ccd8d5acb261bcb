FROM busybox
ARG NAME=world
RUN <<EOF
#!/bin/sh
echo hello $NAME
EOF
RUN <<-EOF
	#!/bin/sh
	echo chomp
	EOF
RUN <<EOF bash -c "cat"
#!/not/a/script/because/of/args
EOF
RUN cat <<EOF > /x
in $NAME
EOF
RUN ["sh", "-c", "echo exec form $NAME"]
RUN echo "shell form" 'quoted $NAME' ${NAME:-x}
RUN <<EOF
    
EOF
