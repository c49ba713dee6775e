-- One job's fields (see fields in lib.lua). ARGV: prefix, id.
return fields(ARGV[2])
