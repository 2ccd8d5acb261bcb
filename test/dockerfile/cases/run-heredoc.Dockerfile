FROM busybox
RUN <<EOF
echo hello
echo world
EOF
RUN <<-EOT
	echo tabs stripped
	EOT
RUN <<'QUOTED' sh
echo $NOT_EXPANDED
QUOTED
RUN <<EOF1 cat > /a && <<EOF2 cat > /b
first
EOF1
second
EOF2
RUN <<EOF
#!/usr/bin/env python3
print("a script")
EOF
RUN 3<<FD cat <&3
through fd three
FD
