"""Editorial: assemblies (AG) and minutes, issue composition, status machine."""
