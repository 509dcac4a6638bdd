package app

import (
	"context"
	"errors"

	"github.com/hermes-go/hermes/domain"
)

// checkContentTypeChange allows the one content type change Hermes
// allows: a JSON topic moves to AVRO by setting contentType AVRO and
// migratedFromJsonType together, once a schema is registered for it (the
// update's "schema" is registered first). The topic keeps its store
// topic: records carry their format, so subscriptions read the JSON
// messages published before the migration and the Avro ones after it in
// order. Moving back to JSON is refused.
func (m *Management) checkContentTypeChange(ctx context.Context, cur, next domain.Topic) error {
	switch {
	case !cur.MigratedFromJSONType && next.MigratedFromJSONType:
		if next.ContentType != domain.ContentTypeAvro {
			return domain.Errorf(domain.ErrValidation, "Change content type to AVRO together with setting migratedFromJsonType flag")
		}
		if cur.ContentType == domain.ContentTypeAvro {
			return nil
		}
		if m.schemas == nil {
			return domain.Errorf(domain.ErrOperationDisabled, "Avro schemas are not enabled")
		}
		if _, err := m.schemas.repo.LatestSchema(ctx, cur.QualifiedName()); errors.Is(err, domain.ErrSchemaNotFound) {
			return domain.Errorf(domain.ErrValidation, "Avro schema not available, migration not permitted")
		} else if err != nil {
			return err
		}
		m.schemas.forget(cur.QualifiedName())
		return nil
	case cur.MigratedFromJSONType && !next.MigratedFromJSONType:
		return domain.Errorf(domain.ErrValidation, "Cannot migrate back to JSON!")
	case next.ContentType != cur.ContentType:
		return domain.Errorf(domain.ErrValidation, "Cannot change content type, except for migration to Avro with setting migratedFromJsonType flag.")
	}
	return nil
}
