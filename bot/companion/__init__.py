"""The companion: runs on the person's own device and turns files into hashes, offline."""
