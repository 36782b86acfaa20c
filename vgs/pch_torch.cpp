// Compiles the torch precompiled header once; every torch target reuses it.
