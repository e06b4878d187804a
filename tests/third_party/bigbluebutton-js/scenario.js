// A full BBB scenario through bbb-gateway's BBB-compatible endpoint, driven by the third-party
// npm client `bigbluebutton-js` (SHA-1 checksums, `querystring` encoding, fast-xml-parser).
// Started by crates/bbb-endpoint/tests/third_party.rs with two tenants' per-token base URLs
// and secrets; exits non-zero on the first failed assertion.
'use strict'

const assert = require('node:assert/strict')
const http = require('node:http')
const bbb = require('bigbluebutton-js')

const env = (name) => {
  const value = process.env[name]
  assert.ok(value, `${name} is set`)
  return value
}
const tenantA = bbb.api(env('BBB_A_URL'), env('BBB_A_SECRET'))
const tenantB = bbb.api(env('BBB_B_URL'), env('BBB_B_SECRET'))
const call = (url) => bbb.http(url)

// GET without following redirects: join's 302 is the answer.
function head(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        response.resume()
        resolve({ status: response.statusCode, location: response.headers.location })
      })
      .on('error', reject)
  })
}

async function step(name, run) {
  await run()
  console.log(`ok - ${name}`)
}

async function main() {
  const id = 'js-course-101'
  const name = 'JS Course 101'

  await step('create', async () => {
    const created = await call(
      tenantA.administration.create(name, id, {
        attendeePW: 'ap-js',
        moderatorPW: 'mp-js',
        record: true,
        'meta_origin': 'bigbluebutton-js',
      }),
    )
    assert.equal(created.returncode, 'SUCCESS')
    assert.equal(created.meetingID, id)
    const again = await call(tenantA.administration.create(name, id, { attendeePW: 'ap-js', moderatorPW: 'mp-js' }))
    assert.equal(again.messageKey, 'duplicateWarning')
  })

  await step('join redirects to the backend', async () => {
    const url = tenantA.administration.join('Ann Moderator', id, 'mp-js')
    const redirect = await head(url)
    assert.equal(redirect.status, 302)
    assert.match(redirect.location, /\/bigbluebutton\/api\/join\?/)
    assert.ok(!redirect.location.includes(env('BBB_A_URL')), 'the backend, not the gateway')
    const client = await head(redirect.location)
    assert.equal(client.status, 302, 'the backend lets Ann in')
  })

  await step('join with redirect=false', async () => {
    const joined = await call(tenantA.administration.join('Bob Viewer', id, 'ap-js', { redirect: false }))
    assert.equal(joined.returncode, 'SUCCESS')
    assert.equal(joined.messageKey, 'successfullyJoined')
  })

  await step('isMeetingRunning and getMeetingInfo', async () => {
    const running = await call(tenantA.monitoring.isMeetingRunning(id))
    assert.equal(running.running, true)
    const info = await call(tenantA.monitoring.getMeetingInfo(id))
    assert.equal(info.meetingID, id)
    assert.equal(info.meetingName, name)
    assert.equal(info.participantCount, 2)
    assert.equal(info.metadata.origin, 'bigbluebutton-js')
  })

  await step('getMeetings lists only the tenant\'s meetings', async () => {
    const listed = await call(tenantA.monitoring.getMeetings())
    assert.deepEqual(listed.meetings.map((m) => m.meetingID), [id])
    const other = await call(tenantB.monitoring.getMeetings())
    assert.equal(other.messageKey, 'noMeetings')
  })

  await step('another tenant cannot reach the meeting', async () => {
    const info = await call(tenantB.monitoring.getMeetingInfo(id))
    assert.equal(info.returncode, 'FAILED')
    assert.equal(info.messageKey, 'notFound')
    assert.ok(!JSON.stringify(info).includes(name))
    const end = await call(tenantB.administration.end(id, 'mp-js'))
    assert.equal(end.messageKey, 'notFound')
    const join = await call(tenantB.administration.join('Mallory', id, 'mp-js', { redirect: false }))
    assert.equal(join.returncode, 'FAILED')
  })

  await step('a tampered URL is refused', async () => {
    const url = tenantA.administration.join('Eve', id, 'ap-js', { redirect: false })
    const tampered = await call(`${url}&role=MODERATOR`)
    assert.equal(tampered.returncode, 'FAILED')
    assert.equal(tampered.messageKey, 'checksumError')
  })

  await step('end', async () => {
    const ended = await call(tenantA.administration.end(id, 'mp-js'))
    assert.equal(ended.messageKey, 'sentEndMeetingRequest')
    const info = await call(tenantA.monitoring.getMeetingInfo(id))
    assert.equal(info.messageKey, 'notFound')
  })

  let recordID
  await step('getRecordings', async () => {
    const recordings = await call(tenantA.recording.getRecordings({ meetingID: id }))
    assert.equal(recordings.returncode, 'SUCCESS')
    assert.equal(recordings.recordings.length, 1)
    assert.equal(recordings.recordings[0].meetingID, id)
    recordID = recordings.recordings[0].recordID
    const foreign = await call(tenantB.recording.getRecordings({ recordID }))
    assert.equal(foreign.messageKey, 'noRecordings')
  })

  await step('publish, update and delete the recording', async () => {
    const unpublished = await call(tenantA.recording.publishRecordings(recordID, false))
    assert.equal(unpublished.published, false)
    const updated = await call(tenantA.recording.updateRecordings(recordID, { meta_term: 'fall' }))
    assert.equal(updated.updated, true)
    const state = await call(tenantA.recording.getRecordings({ recordID, state: 'any' }))
    assert.equal(state.recordings[0].state, 'unpublished')
    assert.equal(state.recordings[0].metadata.term, 'fall')
    const foreign = await call(tenantB.recording.deleteRecordings(recordID))
    assert.equal(foreign.messageKey, 'notFound')
    const deleted = await call(tenantA.recording.deleteRecordings(recordID))
    assert.equal(deleted.deleted, true)
  })
}

main().then(
  () => console.log('bigbluebutton-js scenario: all steps passed'),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
