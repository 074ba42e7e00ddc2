import { mount } from '@vue/test-utils';
import ThreadView, { POLL_MS } from '../../src/components/threads/ThreadView.vue';
import ThreadList from '../../src/components/threads/ThreadList.vue';
import NewThreadForm from '../../src/components/threads/NewThreadForm.vue';
import { allByTestId, byTestId, errorBody, flush, mockApi } from '../support/helpers';

let hidden = false;
Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
function setHidden(value) {
  hidden = value;
  document.dispatchEvent(new Event('visibilitychange'));
}

function message(id, username = 'jeff_goldblum', text = `Message ${id}`) {
  return { id, thread_id: 7, username, message: text, sent_at: '2026-11-22T02:47:08Z' };
}
const THREAD = { thread_id: 7, users: ['quinn', 'jeff_goldblum'], title: 'Lunch', created_at: '2026-11-22T02:00:00Z', message_count: 2, last_activity_at: '2026-11-22T02:47:08Z', messages: [message(1), message(2, 'quinn')] };

describe('a thread', () => {
  let mock;
  let wrapper;
  beforeEach(() => {
    mock = mockApi();
    hidden = false;
    jest.useFakeTimers();
  });
  afterEach(() => {
    if (wrapper) wrapper.destroy();
    wrapper = null;
    mock.restore();
    jest.useRealTimers();
  });

  async function open(props = {}) {
    wrapper = mount(ThreadView, { propsData: { threadId: 7, username: 'quinn', canWrite: true, ...props }, attachTo: document.body });
    await flush();
    return wrapper;
  }

  it('shows its messages oldest first, marks them read, and says who is who', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    await open();
    expect(byTestId(wrapper, 'thread-heading').text()).toBe('Lunch');
    const messages = allByTestId(wrapper, 'message');
    expect(messages.wrappers.map((m) => m.find('[data-testid="message-text"]').text())).toEqual(['Message 1', 'Message 2']);
    expect(messages.at(1).classes()).toContain('message-mine');
    expect(JSON.parse(mock.history.put[0].data)).toEqual({ last_read_message_id: 2 }); // a user token: no username
    expect(wrapper.emitted('read')[0][0]).toEqual({ thread_id: 7, unread_count: 0 });
  });

  it('names the user when a service token marks read and sends', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    mock.onPost('/api/threads/7/messages').reply(201, message(3, 'quinn', 'Hi 👋'));
    await open({ sendAs: 'quinn' });
    expect(JSON.parse(mock.history.put[0].data)).toEqual({ last_read_message_id: 2, username: 'quinn' });
    await byTestId(wrapper, 'message-input').setValue('Hi 👋');
    await byTestId(wrapper, 'message-composer').trigger('submit');
    await flush();
    expect(JSON.parse(mock.history.post[0].data)).toEqual({ message: 'Hi 👋', username: 'quinn' });
    expect(allByTestId(wrapper, 'message')).toHaveLength(3);
    expect(byTestId(wrapper, 'thread-count').text()).toBe('3 messages');
    expect(byTestId(wrapper, 'message-input').element.value).toBe('');
    expect(wrapper.emitted('activity')).toHaveLength(1);
  });

  it('polls for new messages after the last one seen, and marks them read', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply((config) => [200, { thread_id: 7, username: 'quinn', last_read_message_id: JSON.parse(config.data).last_read_message_id, unread_count: 0 }]);
    mock.onGet('/api/threads/7/messages').replyOnce(200, [], { 'x-pagination': '{"page_size": 100, "next_after": null}' });
    mock.onGet('/api/threads/7/messages').replyOnce(200, [message(3), message(2, 'quinn')], { 'x-pagination': '{"page_size": 100, "next_after": 3}' });
    mock.onGet('/api/threads/7/messages').replyOnce(200, [], { 'x-pagination': '{"page_size": 100, "next_after": null}' });
    await open();
    await jest.advanceTimersByTimeAsync(POLL_MS);
    await flush();
    expect(mock.history.get[1].params).toEqual({ after: 2, page_size: 100 });
    expect(allByTestId(wrapper, 'message')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(POLL_MS);
    await flush();
    expect(mock.history.get[2].params.after).toBe(2);
    expect(mock.history.get[3].params.after).toBe(3);
    expect(allByTestId(wrapper, 'message').wrappers.map((m) => m.find('[data-testid="message-text"]').text())).toEqual(['Message 1', 'Message 2', 'Message 3']);
    expect(JSON.parse(mock.history.put[1].data).last_read_message_id).toBe(3);
  });

  it('pauses polling while the tab is hidden, and catches up when it is visible again', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    mock.onGet('/api/threads/7/messages').reply(200, [], { 'x-pagination': '{"next_after": null}' });
    await open();
    setHidden(true);
    await jest.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(mock.history.get).toHaveLength(1);
    setHidden(false);
    await flush();
    expect(mock.history.get).toHaveLength(2);
  });

  it('keeps polling through errors and says new messages cannot be fetched', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').networkError();
    mock.onGet('/api/threads/7/messages').replyOnce(500, errorBody(500, 'Internal error.'));
    mock.onGet('/api/threads/7/messages').reply(200, [], { 'x-pagination': '{"next_after": null}' });
    await open();
    await jest.advanceTimersByTimeAsync(POLL_MS);
    await flush();
    expect(byTestId(wrapper, 'thread-poll-error').text()).toContain('Internal error.');
    await jest.advanceTimersByTimeAsync(POLL_MS);
    await flush();
    expect(byTestId(wrapper, 'thread-poll-error').exists()).toBe(false);
  });

  it('does not reveal a thread the user is not in (404), and offers a retry', async () => {
    mock.onGet('/api/threads/7').replyOnce(404, errorBody(404, 'Thread 7 not found.'));
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    await open();
    expect(byTestId(wrapper, 'error-message').text()).toBe('This thread does not exist, or you are not in it.');
    await byTestId(wrapper, 'error-retry').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'thread-heading').exists()).toBe(true);
  });

  it('shows the API\'s 422 or 403 under the composer and keeps the text', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    mock.onPost('/api/threads/7/messages').replyOnce(422, errorBody(422, 'Invalid.', { json: { message: ['Must not be blank.'] } }));
    mock.onPost('/api/threads/7/messages').replyOnce(403, errorBody(403, 'You may only post as quinn.'));
    await open();
    await byTestId(wrapper, 'message-input').setValue('x');
    await byTestId(wrapper, 'message-composer').trigger('submit');
    await flush();
    expect(byTestId(wrapper, 'message-error').text()).toBe('Must not be blank.');
    await byTestId(wrapper, 'message-composer').trigger('submit');
    await flush();
    expect(byTestId(wrapper, 'message-error').text()).toBe('You may only post as quinn.');
    expect(byTestId(wrapper, 'message-input').element.value).toBe('x');
  });

  it('lets a read-only token read without marking or sending; an empty thread says so', async () => {
    mock.onGet('/api/threads/7').reply(200, { ...THREAD, messages: [], message_count: 0, title: null });
    mock.onGet('/api/threads/7/messages').reply(200, [], { 'x-pagination': '{"next_after": null}' });
    await open({ canWrite: false });
    expect(byTestId(wrapper, 'thread-heading').text()).toBe('quinn, jeff_goldblum');
    expect(byTestId(wrapper, 'messages-empty').exists()).toBe(true);
    expect(byTestId(wrapper, 'thread-count').text()).toBe('0 messages');
    expect(byTestId(wrapper, 'thread-read-only').exists()).toBe(true);
    expect(byTestId(wrapper, 'message-composer').exists()).toBe(false);
    expect(mock.history.put).toHaveLength(0);
  });

  it('marks read when the tab becomes visible again', async () => {
    mock.onGet('/api/threads/7').reply(200, THREAD);
    mock.onPut('/api/threads/7/read').reply(200, { thread_id: 7, username: 'quinn', last_read_message_id: 2, unread_count: 0 });
    mock.onGet('/api/threads/7/messages').reply(200, [message(5)], { 'x-pagination': '{"next_after": null}' });
    hidden = true;
    await open();
    expect(mock.history.put).toHaveLength(0);
    setHidden(false);
    await flush();
    expect(mock.history.put.length).toBeGreaterThanOrEqual(1);
  });
});

describe('the thread list', () => {
  const threads = [
    { thread_id: 9, users: ['quinn', 'jeff_goldblum'], title: null, message_count: 3, last_activity_at: '2026-11-22T03:00:00Z', last_message: message(30, 'jeff_goldblum', 'See you'), unread_count: 2 },
    { thread_id: 7, users: ['Quinn', 'ana'], title: 'Lunch', message_count: 0, last_activity_at: '2026-11-22T01:00:00Z', last_message: null, unread_count: 0 },
  ];

  it('keeps the API\'s order, names threads, shows unread counts and the current one', async () => {
    const wrapper = mount(ThreadList, { propsData: { threads, selected: '7', me: 'quinn' } });
    const items = allByTestId(wrapper, 'thread-item');
    expect(items.wrappers.map((i) => i.find('[data-testid="thread-title"]').text())).toEqual(['jeff_goldblum', 'Lunch']);
    expect(items.at(0).find('[data-testid="thread-unread"]').text()).toBe('2 unread');
    expect(items.at(0).text()).toContain('jeff_goldblum: See you');
    expect(items.at(1).find('[data-testid="thread-unread"]').exists()).toBe(false);
    expect(items.at(1).attributes('aria-current')).toBe('true');
    await items.at(0).trigger('click');
    expect(wrapper.emitted('select')[0]).toEqual([9]);
  });

  it('names a thread with only me by me', () => {
    const wrapper = mount(ThreadList, { propsData: { threads: [{ ...threads[1], title: null, users: ['quinn'] }], me: 'QUINN' } });
    expect(byTestId(wrapper, 'thread-title').text()).toBe('quinn');
  });
});

describe('starting a thread', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => mock.restore());

  it('adds me to the users, drops repeats, sends the title, and reports the new thread', async () => {
    mock.onPost('/api/threads').reply(201, { thread_id: 12, users: ['quinn', 'jeff_goldblum', 'ana'], title: 'Plan', created_at: 'x' });
    const wrapper = mount(NewThreadForm, { propsData: { me: 'quinn' } });
    await byTestId(wrapper, 'new-thread-users').setValue('jeff_goldblum, Quinn  ana,JEFF_GOLDBLUM');
    await byTestId(wrapper, 'new-thread-title').setValue(' Plan ');
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    await flush();
    expect(JSON.parse(mock.history.post[0].data)).toEqual({ users: ['quinn', 'jeff_goldblum', 'ana'], title: 'Plan' });
    expect(wrapper.emitted('created')[0][0].thread_id).toBe(12);
  });

  it('asks for someone else, and shows the API\'s 422 at the users field and a 403 as a message', async () => {
    mock.onPost('/api/threads').replyOnce(422, errorBody(422, 'Invalid.', { json: { users: ["'x y' is not a valid username."] } }));
    mock.onPost('/api/threads').replyOnce(403, errorBody(403, 'You must be one of the users.'));
    const wrapper = mount(NewThreadForm, { propsData: { me: 'quinn' } });
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    expect(byTestId(wrapper, 'new-thread-users-error').text()).toBe('Add at least one other user.');
    expect(mock.history.post).toHaveLength(0);
    await byTestId(wrapper, 'new-thread-users').setValue('bob');
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    await flush();
    expect(byTestId(wrapper, 'new-thread-users-error').text()).toBe("'x y' is not a valid username.");
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    await flush();
    expect(byTestId(wrapper, 'new-thread-error').text()).toBe('You must be one of the users.');
  });

  it('refuses more than 100 users', async () => {
    const wrapper = mount(NewThreadForm, { propsData: { me: 'quinn' } });
    await byTestId(wrapper, 'new-thread-users').setValue(Array.from({ length: 100 }, (_, i) => `u${i}`).join(','));
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    expect(byTestId(wrapper, 'new-thread-users-error').text()).toBe('At most 100 users in a thread.');
  });
});
