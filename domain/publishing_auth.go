package domain

import "slices"

// DefaultPublisherRole is the role Hermes's frontend requires of a
// publisher to a topic with auth enabled (its Roles.PUBLISHER).
const DefaultPublisherRole = "publisher"

// MayPublish reports whether p may publish to a topic with this auth
// block, by Hermes's frontend rule (TopicHandler): with auth off, anyone
// may; an anonymous caller may iff UnauthenticatedAccessEnabled; an
// identified caller may iff it holds publisherRole and its name is in
// Publishers. An empty publisherRole drops the role condition. An
// identified caller is never let in by UnauthenticatedAccessEnabled, as
// in Hermes: credentials that name someone not listed are refused.
func (a PublishingAuth) MayPublish(p Principal, publisherRole string) bool {
	if !a.Enabled {
		return true
	}
	if p.Anonymous() {
		return a.UnauthenticatedAccessEnabled
	}
	if publisherRole != "" && !p.HasRole(publisherRole) {
		return false
	}
	return slices.Contains(a.Publishers, p.Name)
}
