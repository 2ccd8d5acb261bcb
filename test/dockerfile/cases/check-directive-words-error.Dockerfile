# check=skip=FromAsCasing;error=truE x=y
FROM busybox
