package domain

import "regexp"

// Group is a set of topics managed by one publisher.
type Group struct {
	GroupName string `json:"groupName"`
}

// Validate checks the group name against pattern (configurable in Hermes
// through management.group.allowedGroupNameRegex).
func (g Group) Validate(pattern *regexp.Regexp) error {
	if g.GroupName == "" {
		return Errorf(ErrValidation, "groupName must not be null")
	}
	if !pattern.MatchString(g.GroupName) {
		return Errorf(ErrGroupNameInvalid, "Group name should match pattern %s", pattern)
	}
	return nil
}
