import { mount } from '@vue/test-utils';
import MessageComposer from '../../src/components/threads/MessageComposer.vue';
import { characterCount, isBlank, resetSegmenter } from '../../src/lib/graphemes';
import { byTestId } from '../support/helpers';

describe('the message composer', () => {
  it('counts characters as the API does: an emoji with modifiers, a flag, an accented letter are one', async () => {
    const wrapper = mount(MessageComposer);
    await byTestId(wrapper, 'message-input').setValue('Ça marche 👍🏽');
    expect(byTestId(wrapper, 'message-counter').text()).toBe('11 / 280 · 269 characters left');
    await byTestId(wrapper, 'message-input').setValue('👨‍👩‍👧‍👦🇫🇷e\u0301');
    expect(byTestId(wrapper, 'message-counter').text()).toMatch(/^3 \/ 280/);
  });

  it('refuses more than 280 characters and blank messages', async () => {
    const wrapper = mount(MessageComposer);
    const send = byTestId(wrapper, 'message-send');
    expect(send.attributes('disabled')).toBe('disabled');
    await byTestId(wrapper, 'message-input').setValue(' \u200b\n ');
    expect(send.attributes('disabled')).toBe('disabled');
    await byTestId(wrapper, 'message-input').setValue('😀'.repeat(280));
    expect(send.attributes('disabled')).toBeUndefined();
    await byTestId(wrapper, 'message-input').setValue('😀'.repeat(281));
    expect(byTestId(wrapper, 'message-counter').text()).toBe('281 / 280 · 1 characters too many');
    expect(byTestId(wrapper, 'message-input').classes()).toContain('is-invalid');
    expect(send.attributes('disabled')).toBe('disabled');
    await byTestId(wrapper, 'message-composer').trigger('submit');
    expect(wrapper.emitted('send')).toBeUndefined();
  });

  it('sends on Enter, starts a new line on Shift+Enter, and clears when told', async () => {
    const wrapper = mount(MessageComposer);
    const input = byTestId(wrapper, 'message-input');
    await input.setValue('Hello');
    await input.trigger('keydown', { key: 'Enter', shiftKey: true });
    expect(wrapper.emitted('send')).toBeUndefined();
    await input.trigger('keydown', { key: 'a' });
    await input.trigger('keydown', { key: 'Enter' });
    expect(wrapper.emitted('send')[0]).toEqual(['Hello']);
    wrapper.vm.clear();
    await wrapper.vm.$nextTick();
    expect(input.element.value).toBe('');
  });

  it('shows the API\'s error and a busy state', async () => {
    const wrapper = mount(MessageComposer, { propsData: { busy: true, error: 'At most 280 characters (this one has 281).' } });
    expect(byTestId(wrapper, 'message-error').text()).toBe('At most 280 characters (this one has 281).');
    expect(byTestId(wrapper, 'message-send').text()).toBe('Sending…');
  });
});

describe('grapheme counting', () => {
  afterEach(() => resetSegmenter());

  it('falls back to code points where Intl.Segmenter is missing', () => {
    resetSegmenter(false);
    expect(characterCount('👍🏽')).toBe(2);
    expect(characterCount('')).toBe(0);
  });

  it('treats format and control characters as blank', () => {
    expect(isBlank('')).toBe(true);
    expect(isBlank('\ufeff\u200d\t')).toBe(true);
    expect(isBlank(' a ')).toBe(false);
  });
});
