package app

import (
	"encoding/json"

	"github.com/hermes-go/hermes/domain"
)

// mergePatch applies patch to the JSON of current as Hermes's Patch does:
// top-level keys replace, nested objects merge recursively.
func mergePatch(current any, patch []byte) ([]byte, error) {
	base, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	var dst, src map[string]any
	if err := json.Unmarshal(base, &dst); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &src); err != nil {
		return nil, domain.Errorf(domain.ErrFormat, "Malformed JSON patch: %s", err.Error())
	}
	mergeMaps(dst, src)
	return json.Marshal(dst)
}

func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		sub, isMap := v.(map[string]any)
		cur, curIsMap := dst[k].(map[string]any)
		if isMap && curIsMap {
			mergeMaps(cur, sub)
			continue
		}
		dst[k] = v
	}
}
