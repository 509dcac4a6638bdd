package domain_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestParseTopicName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		group, name string
		wantErr     bool
	}{
		{in: "my-group.my-topic", group: "my-group", name: "my-topic"},
		{in: "pl.allegro.team.orders", group: "pl.allegro.team", name: "orders"},
		{in: "g.t", group: "g", name: "t"},
		{in: "no-dot", wantErr: true},
		{in: "", wantErr: true},
		{in: ".topic", wantErr: true},
		{in: "group.", wantErr: true},
		{in: ".", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			n, err := domain.ParseTopicName(tt.in)
			if tt.wantErr {
				require.ErrorIs(t, err, domain.ErrValidation)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, domain.TopicName{Group: tt.group, Name: tt.name}, n)
			assert.Equal(t, tt.in, n.String())
		})
	}
}

func TestTopicNameValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  domain.TopicName
		valid bool
	}{
		{domain.TopicName{Group: "my-group", Name: "my-topic"}, true},
		{domain.TopicName{Group: "pl.allegro_team", Name: "Orders_v2"}, true},
		{domain.TopicName{Group: "my group", Name: "t"}, false},
		{domain.TopicName{Group: "g", Name: "my topic"}, false},
		{domain.TopicName{Group: "g", Name: "t$x"}, false},
		{domain.TopicName{Group: "g", Name: "a.b"}, false},
		{domain.TopicName{Group: "", Name: "t"}, false},
		{domain.TopicName{Group: "g", Name: "tópic"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name.Group+"|"+tt.name.Name, func(t *testing.T) {
			t.Parallel()
			err := tt.name.Validate()
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, domain.ErrValidation)
			}
		})
	}
}

func TestSeedNamesAccepted(t *testing.T) {
	t.Parallel()
	n, err := domain.ParseTopicName("my-group.my-topic")
	require.NoError(t, err)
	assert.NoError(t, n.Validate())
	assert.Regexp(t, domain.NamePattern, "my-Subscription")
	assert.NoError(t, domain.Group{GroupName: "my-group"}.Validate(regexp.MustCompile(domain.DefaultGroupNamePattern)))
}

func TestGroupValidate(t *testing.T) {
	t.Parallel()
	def := regexp.MustCompile(domain.DefaultGroupNamePattern)
	narrow := regexp.MustCompile(`^[a-zA-Z0-9.]+$`)
	tests := []struct {
		group   string
		pattern *regexp.Regexp
		want    error
	}{
		{"my-group", def, nil},
		{"pl.allegro_team", def, nil},
		{"my group", def, domain.ErrGroupNameInvalid},
		{"grp$", def, domain.ErrGroupNameInvalid},
		{"", def, domain.ErrValidation},
		{"pl.allegro", narrow, nil},
		{"my-group", narrow, domain.ErrGroupNameInvalid},
		{"my_group", narrow, domain.ErrGroupNameInvalid},
		{"", narrow, domain.ErrValidation},
	}
	for _, tt := range tests {
		t.Run(tt.pattern.String()+"|"+tt.group, func(t *testing.T) {
			t.Parallel()
			err := domain.Group{GroupName: tt.group}.Validate(tt.pattern)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestKafkaTopicName(t *testing.T) {
	t.Parallel()
	n := domain.TopicName{Group: "pl.allegro", Name: "orders"}
	assert.Equal(t, "pl.allegro.orders", domain.KafkaTopicName("", "_", n))
	assert.Equal(t, "ns_pl.allegro.orders", domain.KafkaTopicName("ns", "_", n))
	assert.Equal(t, "ns-pl.allegro.orders", domain.KafkaTopicName("ns", "-", n))
}

func TestConsumerGroupID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		namespace string
		sub       domain.SubscriptionName
		want      string
	}{
		{"", domain.SubscriptionName{Topic: domain.TopicName{Group: "my-group", Name: "my-topic"}, Name: "my-Subscription"}, "my-group_my-topic_my-Subscription"},
		{"", domain.SubscriptionName{Topic: domain.TopicName{Group: "a_b", Name: "c_d"}, Name: "e_f"}, "a__b_c__d_e__f"},
		{"ns", domain.SubscriptionName{Topic: domain.TopicName{Group: "pl.allegro", Name: "t"}, Name: "s"}, "ns_pl.allegro_t_s"},
		// The namespace itself is not escaped.
		{"my_ns", domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"}, "my_ns_g_t_s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, domain.ConsumerGroupID(tt.namespace, tt.sub))
		})
	}
}

func TestSubscriptionNameString(t *testing.T) {
	t.Parallel()
	n := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"}
	assert.Equal(t, "g.t$s", n.String())
}

func TestCheckStoreTopicName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		valid bool
	}{
		{"g.t", true},
		{strings.Repeat("a", domain.MaxStoreTopicName), true},
		{strings.Repeat("a", domain.MaxStoreTopicName+1), false},
		{"", false},
		{".", false},
		{"..", false},
		{"g.t$x", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20s/%d", tt.name, len(tt.name)), func(t *testing.T) {
			t.Parallel()
			err := domain.CheckStoreTopicName(tt.name)
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, domain.ErrValidation)
				assert.Less(t, len(domain.ErrorMessage(err)), 200, "the message does not repeat a long name")
			}
		})
	}
}

func TestNameLimits(t *testing.T) {
	t.Parallel()
	l := domain.DefaultNameLimits()
	long := func(n int) string { return strings.Repeat("a", n) }
	valid := []error{
		l.CheckGroup(long(247)),
		l.CheckTopic(domain.TopicName{Group: long(247), Name: "t"}),
		l.CheckTopic(domain.TopicName{Group: "g", Name: long(247)}),
		l.CheckSubscription(long(255)),
	}
	for i, err := range valid {
		assert.NoError(t, err, "case %d", i)
	}
	invalid := map[string]error{
		"group leaving no room for a topic": l.CheckGroup(long(248)),
		"group longer than a file name":     l.CheckGroup(long(256)),
		"group .":                           l.CheckGroup("."),
		"group ..":                          l.CheckGroup(".."),
		"qualified name over Kafka's limit": l.CheckTopic(domain.TopicName{Group: long(244), Name: "tttttt"}),
		"topic longer than a file name":     domain.NameLimits{MaxName: 255}.CheckTopic(domain.TopicName{Group: "g", Name: long(256)}),
		"subscription over a file name":     l.CheckSubscription(long(256)),
		"subscription ..":                   l.CheckSubscription(".."),
	}
	for name, err := range invalid {
		assert.ErrorIs(t, err, domain.ErrValidation, name)
	}
	assert.NoError(t, domain.NameLimits{}.CheckSubscription(long(10000)), "zero limits nothing but . and ..")
}

func TestNameLimitsTighter(t *testing.T) {
	t.Parallel()
	a := domain.NameLimits{MaxQualifiedTopic: 240}
	b := domain.NameLimits{MaxQualifiedTopic: 249, MaxName: 255}
	assert.Equal(t, domain.NameLimits{MaxQualifiedTopic: 240, MaxName: 255}, a.Tighter(b))
	assert.Equal(t, a.Tighter(b), b.Tighter(a))
}
