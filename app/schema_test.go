package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/avro"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

const (
	metadataField = `{"name":"__metadata","type":["null",{"type":"map","values":"string"}],"default":null}`
	schemaV1      = `{"type":"record","name":"R","fields":[{"name":"id","type":"string"},` + metadataField + `]}`
	schemaV2      = `{"type":"record","name":"R","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":0},` + metadataField + `]}`
	incompatible  = `{"type":"record","name":"R","fields":[{"name":"id","type":"string"},{"name":"m","type":"int"},` + metadataField + `]}`
)

// admin is a message store admin that accepts every call.
type admin struct{ ports.MessageStoreAdmin }

func (admin) CreateTopic(context.Context, domain.Topic) error     { return nil }
func (admin) DeleteTopic(context.Context, domain.TopicName) error { return nil }
func (admin) UpdateTopic(context.Context, domain.Topic) error     { return nil }

// producer records what is produced.
type producer struct{ got []domain.Message }

func (p *producer) Produce(_ context.Context, _ domain.Topic, m domain.Message) error {
	p.got = append(p.got, m)
	return nil
}

type fixture struct {
	mgmt     *app.Management
	pub      *app.PublishMessage
	produced *producer
	store    *memory.MetadataStore
}

func newFixture(t *testing.T) fixture {
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(t.Context(), domain.Group{GroupName: "g"}))
	schemas := app.NewSchemas(app.SchemaConfig{}, memory.NewSchemaRepository(), avro.NewCodec())
	log := slog.New(slog.DiscardHandler)
	p := &producer{}
	return fixture{
		mgmt:     app.NewManagement(app.ManagementConfig{}, store, admin{}, nil, nil, log).WithSchemas(schemas),
		pub:      app.NewPublishMessage(store, p, memory.NewMetrics(), memory.NewTracker(10), log).WithSchemas(schemas),
		produced: p,
		store:    store,
	}
}

func avroTopic(name string) domain.Topic {
	t := domain.NewTopic()
	t.Name, t.ContentType = name, domain.ContentTypeAvro
	d := "d"
	t.Description, t.Owner, t.RetentionTime = &d, &domain.Owner{Source: "Plaintext", ID: "o"}, &domain.RetentionTime{Duration: 1}
	return t
}

func TestCreateAvroTopicNeedsAValidSchema(t *testing.T) {
	t.Parallel()
	f, ctx := newFixture(t), t.Context()
	assert.ErrorIs(t, f.mgmt.CreateTopic(ctx, avroTopic("g.a")), domain.ErrSchemaInvalid, "no schema")
	assert.ErrorIs(t, f.mgmt.CreateTopicWithSchema(ctx, avroTopic("g.a"), `{"type":"record","name":"R","fields":[]}`),
		domain.ErrSchemaInvalid, "no __metadata field")
	_, err := f.store.Topic(ctx, domain.TopicName{Group: "g", Name: "a"})
	require.ErrorIs(t, err, domain.ErrTopicNotFound, "refused topics are not stored")

	require.NoError(t, f.mgmt.CreateTopicWithSchema(ctx, avroTopic("g.a"), schemaV1))
	s, err := f.mgmt.GetSchema(ctx, "g.a")
	require.NoError(t, err)
	assert.Equal(t, domain.Schema{Version: 1, ID: 1, Text: schemaV1}, s)

	assert.ErrorIs(t, f.mgmt.RegisterSchema(ctx, "g.a", incompatible, true), domain.ErrSchemaIncompatible)
	require.NoError(t, f.mgmt.RegisterSchema(ctx, "g.a", schemaV2, true))
	s, err = f.mgmt.GetSchemaVersion(ctx, "g.a", 2)
	require.NoError(t, err)
	assert.Equal(t, schemaV2, s.Text)
	assert.ErrorIs(t, f.mgmt.DeleteSchemas(ctx, "g.a"), domain.ErrOperationDisabled, "removal is off by default")
}

func TestPublishConvertsJSONWithTheNamedVersion(t *testing.T) {
	t.Parallel()
	f, ctx := newFixture(t), t.Context()
	topic := avroTopic("g.p")
	require.NoError(t, f.mgmt.CreateTopicWithSchema(ctx, topic, schemaV1))
	require.NoError(t, f.mgmt.RegisterSchema(ctx, "g.p", schemaV2, true))
	msg := domain.Message{ID: "m-1", Timestamp: time.UnixMilli(42), Body: []byte(`{"id":"x","n":5}`)}

	require.NoError(t, f.pub.PublishContent(ctx, topic, msg, "application/json"))
	require.Len(t, f.produced.got, 1)
	assert.Equal(t, 2, f.produced.got[0].SchemaVersion, "the latest version by default")

	v1 := msg
	v1.SchemaVersion = 1
	require.NoError(t, f.pub.PublishContent(ctx, topic, v1, "application/json;charset=utf-8"))
	assert.Equal(t, 1, f.produced.got[1].SchemaVersion)
	c, err := avro.NewCodec().Compile(schemaV1)
	require.NoError(t, err)
	out, err := c.ToJSON(f.produced.got[1].Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"x"}`, string(out))

	binary := msg
	binary.Body = f.produced.got[0].Body
	require.NoError(t, f.pub.PublishContent(ctx, topic, binary, "avro/binary"), "Avro binary is accepted as is")

	missing := msg
	missing.SchemaVersion = 9
	assert.ErrorIs(t, f.pub.PublishContent(ctx, topic, missing, "application/json"), domain.ErrSchemaVersionNotFound)
	bad := msg
	bad.Body = []byte(`{"id":1}`)
	err = f.pub.PublishContent(ctx, topic, bad, "application/json")
	require.ErrorIs(t, err, domain.ErrValidation)
	assert.Equal(t, "Invalid message: Failed to convert JSON to Avro: Field id is expected to be type: java.lang.String", domain.ErrorMessage(err))
	assert.ErrorIs(t, f.pub.PublishContent(ctx, topic, msg, "text/plain"), domain.ErrValidation)
	assert.ErrorIs(t, f.pub.PublishContent(ctx, topic, domain.Message{Body: []byte{0xff}}, "avro/binary"), domain.ErrValidation)
	assert.Len(t, f.produced.got, 3, "refused messages are not produced")
}

// A schema registry shared with Hermes keeps a removed topic's subject
// unless schema removal is allowed; schemas stored beside the topic go
// with it.
func TestTopicRemovalKeepsRegistrySchemas(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			ctx := t.Context()
			store, repo := memory.NewMetadataStore(), memory.NewSchemaRepository()
			require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
			schemas := app.NewSchemas(app.SchemaConfig{KeepOnTopicRemoval: keep}, repo, avro.NewCodec())
			mgmt := app.NewManagement(app.ManagementConfig{AllowTopicRemoval: true}, store, admin{}, nil, nil, slog.New(slog.DiscardHandler)).WithSchemas(schemas)
			require.NoError(t, mgmt.CreateTopicWithSchema(ctx, avroTopic("g.kept"), schemaV1))
			require.NoError(t, mgmt.DeleteTopic(ctx, "g.kept"))
			versions, err := repo.SchemaVersions(ctx, domain.TopicName{Group: "g", Name: "kept"})
			require.NoError(t, err)
			if keep {
				assert.Equal(t, []int{1}, versions)
			} else {
				assert.Empty(t, versions)
			}
		})
	}
}
