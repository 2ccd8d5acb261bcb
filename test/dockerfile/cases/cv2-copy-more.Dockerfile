FROM busybox AS src
RUN mkdir -p /a/b/c
FROM busybox
WORKDIR /dst
COPY --parents a/./b/c.txt x/y/*.go ./
COPY --parents --from=src /a/./b /abs/
COPY --parents --exclude=*.tmp a/b/ c/./d/ /p/
COPY --from=src --chown=root:root --chmod=0755 /a /a
COPY --from=0 / /zero
COPY --link --from=src /a /linked
COPY --link <<EOF /inline.txt
hello
EOF
COPY <<A <<B /two/
first
A
second
B
COPY --chmod=go-w <<-EOT ./rel.txt
	tabbed
	EOT
COPY "[a]" \*.txt dir\\ /w/
COPY . .
