FROM scratch
COPY --exclude=*.md --exclude=tests/ . /app/
ADD --exclude=*.bak conf/ /etc/conf/
