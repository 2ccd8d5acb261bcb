echo running as $(id -un)
