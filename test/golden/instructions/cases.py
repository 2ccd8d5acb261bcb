import json
C=[]
def add(df, check=None, expand=False):
    c={"dockerfile":df}
    if check is not None: c["check"]=check
    if expand: c["expand"]=True
    C.append(c)
F="FROM scratch\n"
# basic instructions
for line in [
 "ENV A=1 B=2", "ENV A 1", "ENV A=\"x y\" C=$V", "ENV", "ENV =x",
 "LABEL a=b c=\"d e\"", "LABEL a b", "LABEL",
 "MAINTAINER me", "MAINTAINER", "MAINTAINER a b", "MAINTAINER --boo joe@example.com",
 "WORKDIR /a", "WORKDIR", "WORKDIR a b", "WORKDIR --x=1 /a",
 "USER root", "USER", "USER --x /a",
 "STOPSIGNAL SIGKILL", "STOPSIGNAL", "STOPSIGNAL --x=1 SIGKILL",
 "ARG a", "ARG a=1 b c=", "ARG =x", "ARG --x a",
 "VOLUME /a /b", "VOLUME [\"/a\", \"/b\"]", "VOLUME", "VOLUME [\"\"]", "VOLUME [\" \"]",
 "EXPOSE 80 443/tcp 22", "EXPOSE", "EXPOSE 3000 2000 10000 1", "EXPOSE --x=1 80",
 "SHELL [\"/bin/bash\", \"-c\"]", "SHELL /bin/bash -c", "SHELL []", "SHELL --x=1 [\"a\"]",
 "CMD echo hi", "CMD [\"echo\", \"hi\"]", "CMD", "CMD []",
 "ENTRYPOINT echo hi", "ENTRYPOINT [\"echo\"]", "ENTRYPOINT", "ENTRYPOINT []", "ENTRYPOINT --x=1 a",
 "RUN echo hi", "RUN [\"echo\", \"hi\"]", "RUN", "RUN --foo echo", "RUN --mount=type=cache,target=/x echo",
 "RUN --network=none echo", "RUN --network=host echo", "RUN --network=bad echo", "RUN --network echo",
 "RUN --security=insecure echo", "RUN --security=bad echo",
 "RUN --device=vendor.com/dev echo", "RUN --device=a,b echo", "RUN --device=a,name=b echo", "RUN --device=a,required=maybe echo", "RUN --device=a,foo=bar echo", "RUN --device=\"a echo",
 "RUN --mount=from=$X,target=/a echo", "RUN --mount=from=x$,target=/a echo", "RUN --mount=from=${X} echo", "RUN --mount=\"bad echo", "RUN --mount= echo",
 "RUN --mount=type=secret --mount=type=ssh --network=none --security=sandbox --device=x echo",
 "RUN --mount=type=bind --mount=type=cache echo", "RUN --network=none --network=host echo",
 "RUN -- echo", "RUN --mount=type=cache,id=x,target=/y --network=host -- echo --network",
 "HEALTHCHECK NONE", "HEALTHCHECK NONE x", "HEALTHCHECK", "HEALTHCHECK CMD", "HEALTHCHECK CMD echo hi", "HEALTHCHECK CMD [\"echo\", \"hi\"]",
 "HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=2s --retries=3 CMD true",
 "HEALTHCHECK --interval=1.5h CMD true", "HEALTHCHECK --interval=50ns CMD true", "HEALTHCHECK --interval=0 CMD true", "HEALTHCHECK --interval=0ms CMD true",
 "HEALTHCHECK --interval=-1s CMD true", "HEALTHCHECK --interval=5 CMD true", "HEALTHCHECK --interval=5x CMD true", "HEALTHCHECK --interval=abc CMD true", "HEALTHCHECK --interval=.s CMD true",
 "HEALTHCHECK --retries=-1 CMD true", "HEALTHCHECK --retries=abc CMD true", "HEALTHCHECK --retries=99999999999 CMD true", "HEALTHCHECK --retries=+5 CMD true",
 "HEALTHCHECK --foo=1 CMD true", "HEALTHCHECK --interval=1s NONE", "HEALTHCHECK FOO true", "HEALTHCHECK --timeout=1\u00b5s CMD true", "HEALTHCHECK --timeout=2h45m30.5s CMD true",
 "ONBUILD RUN echo hi", "ONBUILD ONBUILD RUN x", "ONBUILD FROM scratch", "ONBUILD MAINTAINER x", "ONBUILD", "  onbuild   run echo", "ONBUILD --x RUN a",
 "COPY a b", "COPY a", "COPY --from=build --chown=1:2 --chmod=755 --link --exclude=*.go --exclude=x --parents a b c/",
 "COPY --from a b", "COPY --link=false a b", "COPY --link=maybe a b", "COPY --link= a b", "COPY --frm=x a b", "COPY --chmod=1 --chmod=2 a b", "COPY a -b", "COPY frm a b",
 "ADD a b", "ADD a", "ADD --keep-git-dir --checksum=sha256:abc --unpack=false --exclude=a https://x/y /z", "ADD --keep-git-dir=false --unpack a b", "ADD --unpak a b",
 "FOO bar", "foo bar", "RUNN x", "cpy a b", "COPPY a b", "Frm x", "ENV2 a=b",
 "COPY <<EOF /dest\nhello $V\nEOF", "COPY <<EOF <<'EOT' /dest/\na\nEOF\nb\nEOT", "COPY a <<EOF\nx\nEOF", "COPY <<-EOF /x\n\t\ttabbed\n\tEOF",
 "RUN <<EOF\necho hi\nEOF", "RUN <<-EOF bash\n\techo\nEOF", "RUN --mount=type=cache,target=/c <<EOF\nx\nEOF",
 "ONBUILD RUN <<EOF\necho hi\nEOF",
]:
    add(F+line+"\n")
# FROM forms
for df in ["FROM a", "FROM a AS b", "FROM a as b", "FROM a As B", "FROM a AS 1b", "FROM a AS b!", "FROM a b", "FROM a AS", "FROM", "FROM a AS b c",
           "FROM --platform=linux/arm64 a AS b", "FROM --platform a", "FROM --plat=x a", "from a AS b", "from a as b", "FROM a as b", "From a as b", "FROM a aS b", "FROM a AS b-c_d.e", "FROM a AS B_C",
           "FROM a AS aſ", "FROM a aſ b"]:
    add(df+"\n")
# stage structure
add("ARG A=1\nARG B\nFROM a\nARG C\nRUN x\nFROM b AS c\nCOPY --from=0 a b\n")
add("RUN x\n")
add("ARG A\n")
add("")
add("# comment\n")
add("ENV A=1\nFROM a\n")
add("""# foo sets foo
ARG foo=bar

# base defines first stage
FROM busybox AS base
# this is irrelevant
ARG foo
# bar defines bar
# baz is something else
ARG bar baz=123
""")
# lint rules
add("FROM a AS Build\n")
add("from a AS b\nFROM c as d\n")
add("FROM a\nMAINTAINER x\n")
add("FROM a\nMAINTAINER x\n", check="skip=MaintainerDeprecated")
add("FROM a\nMAINTAINER x\n", check="skip=all")
add("FROM a\nMAINTAINER x\n", check="error=true")
add("FROM a\n# check=skip=MaintainerDeprecated\nMAINTAINER x\nMAINTAINER y\n")
add("FROM a\n# check=skip=all\nMAINTAINER x\n")
add("FROM a\n# check=bad\nMAINTAINER x\n")
add("# check=skip=FromAsCasing\nFROM a\n# some comment\nMAINTAINER x\n")
add("# wrong comment\nFROM a AS b\n", check="experimental=all")
add("# b is the stage\nFROM a AS b\n", check="experimental=all")
add("# wrong\nARG x y\n", check="experimental=InvalidDefinitionDescription")
add("# x desc\nARG x y\n", check="experimental=all")
add("# wrong\nARG x\n", check="experimental=all")
add("# wrong\nARG x\n")
add("FROM a AS B\n", check="experimental=all;skip=StageNameCasing")
add("FROM a AS B\nfrom b as C\nMAINTAINER x\n", check="error=true")
add("FROM a\n", check="bad")
add("FROM a\n", check="error=maybe")
add("FROM a\n", check="skip=a,b;error=true;experimental=c;more=x")
add("FROM a\n", check=" skip = A , B ; error = TRUE ")
add("FROM a\n", check="foo=bar")
# expand
for line in ["ENV A=$V B=$BAD", "ENV A$V=x", "LABEL l=$V", "COPY --chown=$V --chmod=$V --from=$V $V /d$V", "ADD --chown=$V --checksum=$V $V /d",
             "WORKDIR /$V", "USER $V", "VOLUME /$V /b", "STOPSIGNAL $V", "ARG A=$V B", "EXPOSE $V", "CMD $V", "ENTRYPOINT $V",
             "RUN --mount=type=$V,target=/x echo $V",
             "RUN --mount=type=cache,target=/c,id=$V,sharing=locked,mode=0755,uid=1,gid=2 echo",
             "RUN --mount=type=tmpfs,target=/t,size=64m echo", "RUN --mount=type=tmpfs,target=/t,size=1.5GiB echo", "RUN --mount=type=tmpfs,target=/t,size=64x echo", "RUN --mount=type=tmpfs,target=/t,size=100 echo", "RUN --mount=type=tmpfs,size=1kb,target=/t echo",
             "RUN --mount=type=secret,id=s,target=/s,required,env=TOKEN,mode=0400 echo", "RUN --mount=type=secret,id=s,env= echo", "RUN --mount=type=secret echo", "RUN --mount=type=secret,from=x,id=a echo",
             "RUN --mount=type=secret,sharing=shared,id=a echo", "RUN --mount=type=secret,source=a,id=b echo", "RUN --mount=type=ssh,required=false echo", "RUN --mount=type=ssh,required=maybe echo",
             "RUN --mount=type=bind,required echo", "RUN --mount=type=bind,size=1 echo", "RUN --mount=type=bind,mode=0755 echo", "RUN --mount=type=tmpfs,uid=1 echo", "RUN --mount=type=bind,gid=1 echo",
             "RUN --mount=type=cache,mode=999 echo", "RUN --mount=type=cache,uid=-1 echo", "RUN --mount=type=cache,gid=x echo", "RUN --mount=type=cache,uid=4294967296 echo",
             "RUN --mount=type=bind,sharing=locked echo", "RUN --mount=type=cache,sharing=bad echo", "RUN --mount=type=cache,sharing=lockd echo", "RUN --mount=type=cahce echo", "RUN --mount=type=foo echo",
             "RUN --mount=type=bind,ro=false,rw=false echo", "RUN --mount=type=bind,readwrite echo", "RUN --mount=type=cache,ro echo", "RUN --mount=type=bind,ro=maybe echo", "RUN --mount=type=bind,rw=1 echo",
             "RUN --mount=type=bind,foo=bar echo", "RUN --mount=type=bind,targt=/x echo", "RUN --mount=type=bind,foo echo", "RUN --mount=TYPE=CACHE,Target=/x,SHARING=Private echo",
             "RUN --mount=type=bind,src=a,dst=/b,from=c echo", "RUN --mount=type=bind,source=a,destination=/b echo", "RUN --mount=type=cache,target=$BAD echo",
             "RUN --mount=\"type=bind,target=/a,b\" echo", "RUN --mount=type=bind,\"target=/a,b\" echo",
             "COPY <<EOF /x\n$V\nEOF", "COPY <<'EOF' /x\n$V\nEOF", "COPY <<EOF /x\n$BAD\nEOF", "RUN <<EOF\n$V\nEOF",
             ]:
    add(F+line+"\n", expand=True)
# buildkit's parse_heredoc_test.go
for line in ["COPY /foo <<EOF\nEOF", "COPY /foo /bar", "COPY <<EOF /bar\nEOF", "COPY <<EOF /bar\nTESTING\nEOF", "COPY <<-EOF /bar\n\tTESTING\nEOF",
             "COPY <<'EOF' /bar\nTESTING\nEOF", "COPY <<EOF1 <<EOF2 /bar\nthis is the first file\nEOF1\nthis is the second file\nEOF2",
             "COPY <<EOF foo.txt /bar\nthis is inline\nEOF", "COPY <<EOF /quotes\n\"quotes\"\nEOF",
             'RUN ["ls", "/"]', 'RUN ["<<EOF"]', "RUN ls /", "RUN <<EOF\nls /\nwhoami\nEOF", "RUN <<'EOF' | python\nprint(\"hello\")\nprint(\"world\")\nEOF",
             "RUN <<-EOF\n\techo test\nEOF", "ADD <<EOF /x\nhi\nEOF", "COPY <<EOF <<EOF /x\na\nEOF\nb\nEOF", "RUN 3<<EOF cat /proc/self/fd/3\nx\nEOF"]:
    add(F+line+"\n")
# Unicode and odd whitespace
for line in ['VOLUME ["\u0085"]', 'VOLUME ["\u00a0/a\u3000"]', 'EXPOSE \u00e9 z \U0001F600 \uffff a', 'LABEL \u00e9=\u00e8', 'ENV \u00c4=1',
             'WORKDIR \u00a0/x', 'COPY --chown=\u00e9 a b', 'ONBUILD\tRUN\techo', 'onbuild run echo', 'ONBUILD copy a b', 'ONBUILD Maintainer x',
             'HEALTHCHECK none', 'healthcheck cmd echo', 'HEALTHCHECK --retries=0 CMD x', 'HEALTHCHECK --start-interval=1ms --interval=999us CMD x',
             'ARG a=b=c', 'ARG a= b', 'ARG "a b"=c', 'ENV a="" b=', 'LABEL "a b"="c d"', 'USER "a b"', 'SHELL ["a", "b"] ', 'CMD ["a", 1]', 'CMD [ ]', 'RUN [ "a" ]',
             'COPY ["a", "b c", "/d/"]', 'COPY --exclude=a ["a", "/d/"]', 'ADD ["<<EOF", "/d"]', 'STOPSIGNAL 9', 'MAINTAINER "a b"']:
    add(F+line+"\n")
for df in ["FROM a AS \u00c4", "FROM a AS \u00e4", "FROM a AS b\u00e4", "FROM a \u0430s b", "FROM a AS K", "FROM a AS \u212a"]:
    add(df+"\n")
add("FROM a AS B\n", check="experimental=all")
add("# B my stage\nFROM a AS B\n", check="experimental=all")
add("# check=skip=StageNameCasing\nFROM a AS B\n")
add("# check=experimental=all\n# x\nFROM a AS b\n")
add("FROM a\n# check=error=true\nMAINTAINER x\n")
json.dump(C, open("cases.json","w"), indent=1, ensure_ascii=True)
print(len(C))
