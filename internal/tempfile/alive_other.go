//go:build !unix

package tempfile

// alive cannot tell here, so every owner is taken to be running and no
// file is removed.
func alive(pid int) bool { return true }
