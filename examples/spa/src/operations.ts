// Every operation of the app, typed by graphql-codegen from ../../schema.graphql (`npm run
// codegen` writes src/gql/): a field the schema lacks fails the codegen, a misuse of a result
// fails `tsc --noEmit`.
import { graphql } from "./gql";

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      token
      expiresAt
      user {
        username
        displayName
      }
    }
  }
`);

export const DashboardQuery = graphql(`
  query Dashboard {
    viewer {
      username
      displayName
    }
    serverGroups {
      id
      name
    }
    meetings(first: 50) {
      nodes {
        id
        name
        guid
        group {
          name
        }
      }
    }
  }
`);

export const CreateMeetingMutation = graphql(`
  mutation CreateMeeting($input: CreateMeetingInput!) {
    createMeeting(input: $input) {
      id
      name
      guid
    }
  }
`);

export const StartMeetingMutation = graphql(`
  mutation StartMeeting($id: ID!) {
    startMeeting(id: $id) {
      id
      live {
        running
        participantCount
      }
    }
  }
`);

export const JoinMeetingMutation = graphql(`
  mutation JoinMeeting($id: ID!) {
    joinMeeting(id: $id) {
      url
      role
    }
  }
`);

export const MeetingEventsSubscription = graphql(`
  subscription MeetingEvents($id: ID!) {
    meetingEvents(id: $id) {
      kind
      attendee {
        userId
        fullName
        role
      }
    }
  }
`);
