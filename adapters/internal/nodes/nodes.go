// Package nodes checks the directories and names of ports.NodeStore
// documents for the metadata adapters that store them.
package nodes

import (
	"strings"

	"github.com/hermes-go/hermes/domain"
)

// Check returns domain.ErrValidation unless dir is "" or relative
// slash-separated path elements and name is one path element.
func Check(dir, name string) error {
	if err := CheckDir(dir); err != nil {
		return err
	}
	if !element(name) {
		return domain.Errorf(domain.ErrValidation, "node name %q: want one path element", name)
	}
	return nil
}

// CheckDir is Check for a directory alone.
func CheckDir(dir string) error {
	if dir == "" {
		return nil
	}
	for _, e := range strings.Split(dir, "/") {
		if !element(e) {
			return domain.Errorf(domain.ErrValidation, "node directory %q: want relative path elements", dir)
		}
	}
	return nil
}

func element(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`+"\x00")
}

// Path joins dir and name with a slash.
func Path(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// NotFound is the error of a missing node.
func NotFound(dir, name string) error {
	return domain.Errorf(domain.ErrNotFound, "node %s does not exist", Path(dir, name))
}

// Exists is the error of creating a present node.
func Exists(dir, name string) error {
	return domain.Errorf(domain.ErrAlreadyExists, "node %s already exists", Path(dir, name))
}
