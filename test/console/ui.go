package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// uiHelpers finds Vuetify fields by their label text and buttons by their
// text; the console's forms have no test ids.
const uiHelpers = `
window.__hg = {
  sleep: (ms) => new Promise(r => setTimeout(r, ms)),
  visible: (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length),
  input(label) {
    for (const l of document.querySelectorAll('label')) {
      if (l.textContent.trim() === label && this.visible(l)) {
        const box = l.closest('.v-input') || l.closest('.v-field');
        const el = box && box.querySelector('input, textarea');
        if (el) return el;
      }
    }
    throw new Error('no field labelled ' + label);
  },
  fill(label, value) {
    const el = this.input(label);
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  },
  async select(label, option) {
    const el = this.input(label);
    (el.closest('.v-field') || el).dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
    (el.closest('.v-field') || el).click();
    for (let i = 0; i < 50; i++) {
      await this.sleep(100);
      for (const item of document.querySelectorAll('.v-overlay-container .v-list-item')) {
        if (item.textContent.trim() === option && this.visible(item)) { item.click(); return; }
      }
    }
    throw new Error('no option ' + option + ' for ' + label);
  },
  async click(text, last) {
    for (let i = 0; i < 50; i++) {
      const matches = [...document.querySelectorAll('button, a.v-btn')].filter(b => b.textContent.trim() === text && this.visible(b) && !b.disabled);
      if (matches.length) { matches[last ? matches.length - 1 : 0].click(); return; }
      await this.sleep(100);
    }
    const seen = [...document.querySelectorAll('button, a.v-btn')].map(b => b.textContent.trim() + (b.disabled ? ' (disabled)' : '') + (this.visible(b) ? '' : ' (hidden)')).filter(t => t);
    throw new Error('no button ' + text + '; buttons: ' + seen.join(' | '));
  },
  ace(text) {
    const el = document.querySelector('.ace_editor');
    if (!el || !el.env) throw new Error('no Ace editor');
    el.env.editor.setValue(text, 1);
  },
};
true`

// uiStep is one action in the browser; script may await __hg helpers.
type uiStep struct {
	page   string // navigate first, when set
	script string
}

// createThroughUI creates a group, a JSON and an AVRO topic and a
// subscription with the console's own forms, and checks each through the
// management API.
func createThroughUI(newTab func() (context.Context, context.CancelFunc, error), base, management, shots string, rec *recorder) error {
	const g = "consoleui"
	schema := `{"type":"record","name":"Ui","fields":[{"name":"a","type":"string"},{"name":"__metadata","type":["null",{"type":"map","values":"string"}],"default":null}]}`
	creations := []struct {
		name  string
		steps []uiStep
		check string // management path that must answer 200 afterwards
	}{
		{"group", []uiStep{{page: "/ui/groups", script: `await __hg.click('New Group'); await __hg.sleep(300);
__hg.fill('Group name', '` + g + `'); await __hg.sleep(200); await __hg.click('Save');`}}, "/groups/" + g},
		{"JSON topic", []uiStep{{page: "/ui/groups/" + g, script: `await __hg.click('Create Topic'); await __hg.sleep(500);
__hg.fill('Name', 'json'); __hg.fill('Description', 'created through the console');
await __hg.select('Owner source', 'Plaintext'); await __hg.sleep(200); __hg.fill('Owner', 'console-team');
await __hg.select('Retention unit', 'DAYS'); await __hg.select('Kafka ACK level', 'LEADER'); __hg.fill('Max message size', '10240');
await __hg.select('Content type', 'JSON'); await __hg.sleep(200); await __hg.click('Create');`}}, "/topics/" + g + ".json"},
		{"AVRO topic", []uiStep{{page: "/ui/groups/" + g, script: `await __hg.click('Create Topic'); await __hg.sleep(500);
__hg.fill('Name', 'avro'); __hg.fill('Description', 'created through the console');
await __hg.select('Owner source', 'Plaintext'); await __hg.sleep(200); __hg.fill('Owner', 'console-team');
await __hg.select('Retention unit', 'DAYS'); await __hg.select('Kafka ACK level', 'LEADER'); __hg.fill('Max message size', '10240');
await __hg.select('Content type', 'AVRO'); await __hg.sleep(500); __hg.ace(` + jsonString(schema) + `); await __hg.sleep(200);
await __hg.click('Create');`}}, "/topics/" + g + ".avro"},
		{"subscription", []uiStep{{page: "/ui/groups/" + g + "/topics/" + g + ".json", script: `await __hg.click('Subscriptions'); await __hg.sleep(500); await __hg.click('Create subscription'); await __hg.sleep(500);
__hg.fill('Name', 'ui-sub'); __hg.fill('Endpoint', 'http://127.0.0.1:9/ui'); __hg.fill('Description', 'created through the console');
await __hg.select('Owner source', 'Plaintext'); await __hg.sleep(200); __hg.fill('Owner', 'console-team');
await __hg.select('Content type', 'JSON'); __hg.fill('Rate limit', '10');
await __hg.sleep(200); await __hg.click('Create subscription', true);`}}, "/topics/" + g + ".json/subscriptions/ui-sub"},
	}
	var failed []string
	for i, c := range creations {
		ctx, closeTab, err := newTab()
		if err != nil {
			return err
		}
		for _, st := range c.steps {
			if st.page != "" {
				rec.setPage(st.page + " (create " + c.name + ")")
				if err := navigate(ctx, base+st.page); err != nil {
					closeTab()
					return err
				}
				rec.quiet(ctx)
			}
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](uiHelpers))
			if err == nil {
				_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => { `+st.script+` return true; })()`, chromedp.EvalAwaitPromise))
			}
			if err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", c.name, err))
			}
			rec.quiet(ctx)
		}
		created := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if created = exists(management, c.check); created {
				break
			}
		}
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(shots, fmt.Sprintf("ui%d-%s.png", i, filepath.Base(c.check))), shot, 0o644)
		}
		if created {
			log.Printf("created %s through the UI (%s answers 200)", c.name, c.check)
		} else {
			failed = append(failed, fmt.Sprintf("%s: %s does not exist after the form was submitted", c.name, c.check))
		}
		closeTab()
	}
	for _, f := range failed {
		fmt.Println("UI FAILED", f)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %d of %d creations", errUI, len(failed), len(creations))
	}
	return nil
}
