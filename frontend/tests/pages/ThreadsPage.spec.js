import ThreadsPage, { LIST_POLL_MS } from '../../src/pages/ThreadsPage.vue';
import { QUINN, READER, SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';

const LIST = [
  { thread_id: 9, users: ['quinn', 'jeff_goldblum'], title: null, created_at: 'x', message_count: 3, last_activity_at: '2026-11-22T03:00:00Z', last_message: null, unread_count: 2 },
  { thread_id: 7, users: ['quinn', 'ana'], title: 'Lunch', created_at: 'x', message_count: 1, last_activity_at: '2026-11-22T01:00:00Z', last_message: null, unread_count: 0 },
];
const THREAD = { thread_id: 9, users: ['quinn', 'jeff_goldblum'], title: null, created_at: 'x', message_count: 1, last_activity_at: 'x', messages: [{ id: 4, thread_id: 9, username: 'jeff_goldblum', message: 'Hi', sent_at: 'x' }] };

describe('the threads page', () => {
  let mock;
  let wrapper;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => {
    if (wrapper) wrapper.destroy();
    wrapper = null;
    mock.restore();
    jest.useRealTimers();
  });

  it('with a user token lists that user\'s threads, and opening one marks it read', async () => {
    setMe(QUINN);
    mock.onGet('/api/threads').reply(200, LIST, { 'x-pagination': '{"total": 2, "page": 1}' });
    mock.onGet('/api/threads/9').reply(200, THREAD);
    mock.onGet('/api/threads/9/messages').reply(200, [], { 'x-pagination': '{"next_after": null}' });
    mock.onPut('/api/threads/9/read').reply(200, { thread_id: 9, username: 'quinn', last_read_message_id: 4, unread_count: 0 });
    let router;
    ({ wrapper, router } = await mountAt(ThreadsPage, '/inbox'));
    expect(byTestId(wrapper, 'threads-identity').text()).toBe('Signed in as quinn.');
    expect(byTestId(wrapper, 'identity-form').exists()).toBe(false);
    expect(mock.history.get[0].params).toEqual({ page: 1, page_size: 50 }); // the token's user is implied
    const items = allByTestId(wrapper, 'thread-item');
    expect(items).toHaveLength(2);
    expect(items.at(0).find('[data-testid="thread-unread"]').text()).toBe('2 unread');
    await items.at(0).trigger('click');
    await flush();
    expect(router.currentRoute.query).toEqual({ thread: '9' });
    expect(byTestId(wrapper, 'thread-heading').text()).toBe('quinn, jeff_goldblum');
    expect(allByTestId(wrapper, 'thread-item').at(0).find('[data-testid="thread-unread"]').exists()).toBe(false);
  });

  it('with a service token asks who you are and keeps it in the URL', async () => {
    setMe(SERVICE);
    mock.onGet('/api/threads').reply(200, LIST, { 'x-pagination': '{"page": 1}' });
    let router;
    ({ wrapper, router } = await mountAt(ThreadsPage, '/inbox'));
    expect(byTestId(wrapper, 'threads-choose-identity').exists()).toBe(true);
    expect(mock.history.get).toHaveLength(0);
    await byTestId(wrapper, 'identity-input').setValue(' jeff_goldblum ');
    await byTestId(wrapper, 'identity-form').trigger('submit');
    await flush();
    expect(router.currentRoute.query).toEqual({ as: 'jeff_goldblum' });
    expect(mock.history.get[0].params).toEqual({ user: 'jeff_goldblum', page: 1, page_size: 50 });
    expect(allByTestId(wrapper, 'thread-item')).toHaveLength(2);
    expect(byTestId(wrapper, 'thread-none').exists()).toBe(true);
  });

  it('shows the API\'s 403 when a user token asks for someone else, and the empty state', async () => {
    setMe(SERVICE);
    mock.onGet('/api/threads').replyOnce(403, errorBody(403, "You can only list your own threads."));
    ({ wrapper } = await mountAt(ThreadsPage, '/inbox?as=ana'));
    expect(byTestId(wrapper, 'error-message').text()).toBe('You can only list your own threads.');
    mock.onGet('/api/threads').reply(200, [], { 'x-pagination': '{"page": 1}' });
    await byTestId(wrapper, 'error-retry').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'threads-empty').exists()).toBe(true);
  });

  it('loads more pages and refreshes unread counts every few seconds while visible', async () => {
    jest.useFakeTimers();
    setMe(QUINN);
    mock.onGet('/api/threads').replyOnce(200, [LIST[0]], { 'x-pagination': '{"page": 1, "next_page": 2}' });
    mock.onGet('/api/threads').replyOnce(200, [LIST[1]], { 'x-pagination': '{"page": 2}' });
    mock.onGet('/api/threads').reply(200, [{ ...LIST[1], last_activity_at: '2026-11-22T04:00:00Z', unread_count: 5 }], { 'x-pagination': '{"page": 1, "next_page": 2}' });
    ({ wrapper } = await mountAt(ThreadsPage, '/inbox'));
    await byTestId(wrapper, 'threads-more').trigger('click');
    await flush();
    expect(mock.history.get[1].params.page).toBe(2);
    expect(allByTestId(wrapper, 'thread-item')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(LIST_POLL_MS);
    await flush();
    const titles = allByTestId(wrapper, 'thread-title').wrappers.map((t) => t.text());
    expect(titles).toEqual(['Lunch', 'jeff_goldblum']); // most recent activity first
    expect(allByTestId(wrapper, 'thread-unread').at(0).text()).toBe('5 unread');
  });

  it('starts a thread and opens it', async () => {
    setMe(QUINN);
    mock.onGet('/api/threads').reply(200, LIST, { 'x-pagination': '{"page": 1}' });
    mock.onPost('/api/threads').reply(201, { thread_id: 12, users: ['quinn', 'ana'], title: null, created_at: 'x' });
    mock.onGet('/api/threads/12').reply(200, { ...THREAD, thread_id: 12, messages: [] });
    let router;
    ({ wrapper, router } = await mountAt(ThreadsPage, '/inbox'));
    await byTestId(wrapper, 'new-thread-toggle').trigger('click');
    await byTestId(wrapper, 'new-thread-users').setValue('ana');
    await byTestId(wrapper, 'new-thread-form').trigger('submit');
    await flush();
    expect(JSON.parse(mock.history.post[0].data)).toEqual({ users: ['quinn', 'ana'] });
    expect(router.currentRoute.query.thread).toBe('12');
    expect(byTestId(wrapper, 'new-thread-form').exists()).toBe(false);
  });

  it('hides writing from read-only tokens, and reloads after an outage', async () => {
    jest.useFakeTimers();
    setMe(READER);
    mock.onGet('/api/threads').networkErrorOnce();
    mock.onGet('/ready').reply(200, {});
    mock.onGet('/api/threads').reply(200, LIST, { 'x-pagination': '{"page": 1}' });
    ({ wrapper } = await mountAt(ThreadsPage, '/inbox?as=quinn'));
    expect(byTestId(wrapper, 'new-thread-toggle').exists()).toBe(false);
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(true);
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(allByTestId(wrapper, 'thread-item')).toHaveLength(2);
  });
});
