FROM busybox
COPY <<EOF /etc/config
key=value
home=$HOME
EOF
COPY <<-"EOT" /etc/raw
	literal $HOME
	EOT
COPY --chmod=755 <<EOF1 /a.sh <<EOF2 /b.sh /bin/
#!/bin/sh
echo a
EOF1
#!/bin/sh
echo b
EOF2
